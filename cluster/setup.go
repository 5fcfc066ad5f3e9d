package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The names on the server.
const (
	StreamName    = "DENOISE_WORK"
	SubjectPrefix = "denoise.work."
	ConsumerName  = "denoise-workers"
	BucketName    = "denoise-jobs"
	ObjectsName   = "denoise-data"
)

// Queue settings, shared by the workers and the submitters of a deployment.
type Queue struct {
	// AckWait is how long an item may go without a sign of life from its worker before it
	// is given to another (0: DefaultAckWait). Workers send one every AckWait/4.
	AckWait time.Duration
	// MaxAttempts is how many times an item is tried before it is reported as failed (0:
	// DefaultMaxAttempts).
	MaxAttempts int
	// Replicas is the number of copies the server cluster keeps of the stream and buckets
	// (0: 1; 3 on a three-node cluster survives the loss of one).
	Replicas int
}

// Defaults of Queue.
const (
	DefaultAckWait     = 30 * time.Second
	DefaultMaxAttempts = 3
)

func (q Queue) withDefaults() Queue {
	if q.AckWait <= 0 {
		q.AckWait = DefaultAckWait
	}
	if q.MaxAttempts <= 0 {
		q.MaxAttempts = DefaultMaxAttempts
	}
	if q.Replicas <= 0 {
		q.Replicas = 1
	}
	return q
}

// Bindings are the stream's consumer and the buckets, as Setup made or found them.
type Bindings struct {
	JS       jetstream.JetStream
	Consumer jetstream.Consumer
	KV       jetstream.KeyValue
	Objects  jetstream.ObjectStore
	Queue    Queue
}

// Setup creates the work-queue stream, its consumer and the buckets where they do not
// exist. Where they do, they are used as they are: the queue's ack wait and attempts are
// the server's (Bindings.Queue says which), not q's, so that every worker and submitter of
// a deployment works by the same ones whatever flags each was started with.
func Setup(ctx context.Context, js jetstream.JetStream, q Queue) (*Bindings, error) {
	q = q.withDefaults()
	b := &Bindings{JS: js, Queue: q}
	if _, err := js.Stream(ctx, StreamName); errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = js.CreateStream(ctx, jetstream.StreamConfig{
			Name: StreamName, Subjects: []string{SubjectPrefix + ">"}, Retention: jetstream.WorkQueuePolicy,
			Storage: jetstream.FileStorage, Replicas: q.Replicas, Duplicates: 10 * time.Minute,
			Description: "denoise work items (package cluster)",
		})
		if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return nil, fmt.Errorf("stream %s: %w", StreamName, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("stream %s: %w", StreamName, err)
	}
	cons, err := js.Consumer(ctx, StreamName, ConsumerName)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		cons, err = js.CreateConsumer(ctx, StreamName, jetstream.ConsumerConfig{
			Durable: ConsumerName, AckPolicy: jetstream.AckExplicitPolicy, AckWait: q.AckWait,
			MaxDeliver: q.MaxAttempts, MaxAckPending: -1, Replicas: q.Replicas,
			Description: "denoise workers pull items one at a time",
		})
		if errors.Is(err, jetstream.ErrConsumerExists) {
			cons, err = js.Consumer(ctx, StreamName, ConsumerName)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("consumer %s: %w", ConsumerName, err)
	}
	b.Consumer = cons
	if c := cons.CachedInfo().Config; c.AckWait > 0 && c.MaxDeliver > 0 {
		b.Queue.AckWait, b.Queue.MaxAttempts = c.AckWait, c.MaxDeliver
	}
	if b.KV, err = js.KeyValue(ctx, BucketName); errors.Is(err, jetstream.ErrBucketNotFound) {
		b.KV, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: BucketName, History: 1, Storage: jetstream.FileStorage, Replicas: q.Replicas,
			Description: "denoise jobs and the state of their items",
		})
	}
	if err != nil {
		return nil, fmt.Errorf("key-value bucket %s: %w", BucketName, err)
	}
	if b.Objects, err = js.ObjectStore(ctx, ObjectsName); errors.Is(err, jetstream.ErrBucketNotFound) {
		b.Objects, err = js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
			Bucket: ObjectsName, Storage: jetstream.FileStorage, Replicas: q.Replicas,
			Description: "denoise inputs and outputs where no filesystem is shared",
		})
	}
	if err != nil {
		return nil, fmt.Errorf("object store %s: %w", ObjectsName, err)
	}
	return b, nil
}

// status reads an item's state; found is false when it has none.
func (b *Bindings) status(ctx context.Context, job string, index int) (st Status, rev uint64, found bool, err error) {
	e, err := b.KV.Get(ctx, itemKey(job, index))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Status{}, 0, false, nil
	}
	if err != nil {
		return Status{}, 0, false, err
	}
	st, err = decodeJSON[Status](e.Value(), itemKey(job, index))
	return st, e.Revision(), true, err
}

// errDone is putStatus's refusal to move an item out of done: another delivery of it
// finished first.
var errDone = errors.New("the item is already done")

// putStatus writes an item's state by compare-and-set, so that a late writer (a worker that
// lost the item to another, a resuming submitter) never moves a done item back; it returns
// errDone then.
func (b *Bindings) putStatus(ctx context.Context, job string, index int, st Status) error {
	st.Updated = time.Now().UTC()
	v, err := jsonBytes(st)
	if err != nil {
		return err
	}
	key := itemKey(job, index)
	for range 10 {
		cur, rev, found, err := b.status(ctx, job, index)
		if err != nil {
			return err
		}
		if found && cur.State == StateDone && st.State != StateDone {
			return errDone
		}
		if !found {
			_, err = b.KV.Create(ctx, key, v)
		} else {
			_, err = b.KV.Update(ctx, key, v, rev)
		}
		if err == nil || !isConflict(err) {
			return err
		}
	}
	return fmt.Errorf("%s: too many writers at once", key)
}

func isConflict(err error) bool {
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch)
}

// download writes an object to dest whole or not at all: it is fetched beside dest, then
// renamed into place.
func (b *Bindings) download(ctx context.Context, object, dest string) error {
	tmp := filepath.Join(filepath.Dir(dest), ".partial-"+filepath.Base(dest))
	if err := b.Objects.GetFile(ctx, object, tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("fetching object %s: %w", object, err)
	}
	return os.Rename(tmp, dest)
}
