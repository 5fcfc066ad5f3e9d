package cluster

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// Connect says how to reach the NATS server and who we are to it. Credentials, nkeys and
// TLS are NATS's own; user and password, or a token, go in the URL
// (nats://user:pass@host:4222).
type Connect struct {
	// URL is the server (several separated by commas: the members of a cluster).
	URL string
	// Creds is a credentials file (a user JWT and its nkey seed, as `nsc` writes them).
	Creds string
	// NKey is a file holding an nkey seed.
	NKey string
	// TLSCA verifies the server's certificate; TLSCert and TLSKey are our own (mutual TLS).
	TLSCA, TLSCert, TLSKey string
	// AllowAnonymous lets us connect without any credentials to a server that is not on
	// this machine (refused otherwise: work and data would be open to anyone who can reach
	// the server).
	AllowAnonymous bool
	// Name is how the server lists the connection.
	Name string
}

// Dial connects.
func (c Connect) Dial() (*nats.Conn, error) {
	if c.URL == "" {
		return nil, errors.New("nats: no server URL")
	}
	if !c.AllowAnonymous && c.anonymous() {
		if host, ok := RemoteHost(c.URL); ok {
			return nil, fmt.Errorf("nats: refusing to connect to %s without credentials (give --nats-creds, --nats-nkey, a TLS client certificate or user:password in the URL; --nats-allow-anonymous if the server is meant to be open)", host)
		}
	}
	opts := []nats.Option{
		nats.Name(c.Name), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second),
		nats.Timeout(5 * time.Second),
	}
	if c.Creds != "" {
		opts = append(opts, nats.UserCredentials(c.Creds))
	}
	if c.NKey != "" {
		o, err := nats.NkeyOptionFromSeed(c.NKey)
		if err != nil {
			return nil, fmt.Errorf("nats: nkey %s: %w", c.NKey, err)
		}
		opts = append(opts, o)
	}
	if c.TLSCA != "" {
		opts = append(opts, nats.RootCAs(c.TLSCA))
	}
	if c.TLSCert != "" || c.TLSKey != "" {
		if c.TLSCert == "" || c.TLSKey == "" {
			return nil, errors.New("nats: a TLS client certificate needs both its certificate and its key")
		}
		opts = append(opts, nats.ClientCert(c.TLSCert, c.TLSKey))
	}
	nc, err := nats.Connect(c.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("nats: connect to %s: %w", redact(c.URL), err)
	}
	return nc, nil
}

// anonymous says whether c brings no credentials of any kind.
func (c Connect) anonymous() bool {
	if c.Creds != "" || c.NKey != "" || c.TLSCert != "" {
		return false
	}
	for _, u := range strings.Split(c.URL, ",") {
		if p, err := url.Parse(strings.TrimSpace(u)); err == nil && p.User != nil {
			return false
		}
	}
	return true
}

// RemoteHost returns the first server of urls that is not this machine's loopback.
func RemoteHost(urls string) (string, bool) {
	for _, u := range strings.Split(urls, ",") {
		u = strings.TrimSpace(u)
		if !strings.Contains(u, "://") {
			u = "nats://" + u
		}
		p, err := url.Parse(u)
		if err != nil {
			return u, true
		}
		h := p.Hostname()
		if h == "localhost" {
			continue
		}
		if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
			continue
		}
		return h, true
	}
	return "", false
}

// redact hides the password of a URL for messages.
func redact(urls string) string {
	var out []string
	for _, u := range strings.Split(urls, ",") {
		if p, err := url.Parse(strings.TrimSpace(u)); err == nil && p.User != nil {
			out = append(out, p.Redacted())
			continue
		}
		out = append(out, u)
	}
	return strings.Join(out, ",")
}
