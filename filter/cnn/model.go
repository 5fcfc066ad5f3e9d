package cnn

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/denoise-go/denoise/models"
)

// Metadata keys that train/train.py writes into a model (ONNX metadata_props). A model
// without them is read by its shapes: as many outputs as inputs means image channels only,
// one input more means a noise-level map last, and the output is taken as the noise.
const (
	MetaOutput   = "denoise.output"           // "residual" (the noise; image = input − output) or "clean"
	MetaChannels = "denoise.channels"         // "gray" (one channel: gray, luma, or each of R, G, B) or "rgb"
	MetaExtra    = "denoise.extra"            // "", "sigma", "guide" or "guide+sigma": extra input channels
	MetaRadius   = "denoise.receptive_radius" // receptive-field radius in pixels (the depth for 3×3 convs)
	MetaChain    = "denoise.chain"            // the stages the model's training inputs went through
)

// DefaultOverlap is the tile margin used when a model does not state its receptive field.
const DefaultOverlap = 32

// Spec is what a model takes and gives, read from its input, output and metadata.
type Spec struct {
	// Name is the model's file path or built-in name, as errors and logs show it.
	Name string
	// Input and Output are the tensor names.
	Input, Output string
	// InChannels and OutChannels are the channel counts of the NCHW tensors.
	InChannels, OutChannels int
	// ImageChannels is 1 (a gray, luma or single colour plane) or 3 (R, G, B together).
	ImageChannels int
	// Guide is true when the image channels are followed by as many guide channels: the
	// picture as it entered the smoothing stage before the CNN (frame.Frame.Guide; the
	// input itself when no stage set one). The output is still relative to the image
	// channels.
	Guide bool
	// Source is true when as many source channels follow (after the guide's, which a model
	// with source channels also has): the picture as it entered the chain of stages before
	// the CNN (frame.Frame.Source; else the guide), e.g. before impulse replacement.
	Source bool
	// SigmaMap is true when a last input channel carries the noise level σ/255.
	SigmaMap bool
	// Residual is true when the output is the noise, so the image is input − output.
	Residual bool
	// Radius is the receptive-field radius in pixels, 0 when the model does not say.
	Radius int
	// FixedH and FixedW are the input's height and width when the model fixes them (0: any).
	FixedH, FixedW int
	// Meta holds the model's custom metadata.
	Meta map[string]string
}

// ErrModel marks a model that is missing, unreadable or does not fit.
var ErrModel = errors.New("model")

func modelError(name, format string, a ...any) error {
	return fmt.Errorf("cnn: %w %s: %s", ErrModel, name, fmt.Sprintf(format, a...))
}

// readModel returns the ONNX bytes Options select and the name to show for them.
func readModel(opt Options) ([]byte, string, error) {
	if opt.ModelData != nil {
		name := opt.Model
		if name == "" {
			name = "(in-memory model)"
		}
		return opt.ModelData, name, nil
	}
	name := opt.Model
	if name == "" {
		name = models.Default()
		if name == "" {
			return nil, "", fmt.Errorf("cnn: no %w given, and none is built into this binary; pass an ONNX file (--model FILE; train/README.md makes one)", ErrModel)
		}
	}
	if IsModelPath(name) {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, name, modelError(name, "%s", firstLine(unwrapPath(err)))
		}
		return b, name, nil
	}
	b, err := models.ONNX(name)
	if err != nil {
		return nil, name, modelError(name, "%s; a file is named by a path with a slash or ending in .onnx (./%s)", err, name)
	}
	return b, name, nil
}

// IsModelPath tells a model file from a built-in model's name: a path contains a slash
// (or the system's separator) or ends in .onnx; anything else names a built-in model and
// is never looked up on disk, so a file called "light" in the working directory does not
// replace the built-in light model (name it ./light to load it).
func IsModelPath(name string) bool {
	return strings.HasSuffix(strings.ToLower(name), ".onnx") || strings.ContainsRune(name, '/') ||
		strings.ContainsRune(name, os.PathSeparator)
}

// unwrapPath drops the path that *os.PathError repeats ("open x: no such file" → "no such file").
func unwrapPath(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// inspect reads a model's tensors and metadata into a Spec, checking that it fits.
func inspect(data []byte, name string) (*Spec, error) {
	ins, outs, err := ort.GetInputOutputInfoWithONNXData(data)
	if err != nil {
		return nil, modelError(name, "not a usable ONNX model: %s", strings.TrimPrefix(firstLine(err.Error()), "Error creating temporary session: "))
	}
	if len(ins) != 1 || len(outs) != 1 {
		return nil, modelError(name, "has %d inputs and %d outputs; want one image tensor in and one out", len(ins), len(outs))
	}
	in, out := ins[0], outs[0]
	for _, t := range []ort.InputOutputInfo{in, out} {
		if t.OrtValueType != ort.ONNXTypeTensor || t.DataType != ort.TensorElementDataTypeFloat {
			return nil, modelError(name, "tensor %q is %s; want a float32 tensor", t.Name, t.String())
		}
		if len(t.Dimensions) != 4 {
			return nil, modelError(name, "tensor %q has shape %v; want N×C×H×W", t.Name, t.Dimensions)
		}
		if d := t.Dimensions[0]; d != -1 && d != 1 {
			return nil, modelError(name, "tensor %q has batch size %d; want 1 or dynamic", t.Name, d)
		}
		if t.Dimensions[1] <= 0 {
			return nil, modelError(name, "tensor %q has no fixed channel count (shape %v)", t.Name, t.Dimensions)
		}
	}
	s := &Spec{Name: name, Input: in.Name, Output: out.Name,
		InChannels: int(in.Dimensions[1]), OutChannels: int(out.Dimensions[1]), Residual: true,
		Meta: map[string]string{}}
	if md, err := ort.GetModelMetadataWithONNXData(data); err == nil {
		if keys, err := md.GetCustomMetadataMapKeys(); err == nil {
			for _, k := range keys {
				if v, ok, err := md.LookupCustomMetadataMap(k); err == nil && ok {
					s.Meta[k] = v
				}
			}
		}
		md.Destroy()
	}
	ih, iw, oh, ow := in.Dimensions[2], in.Dimensions[3], out.Dimensions[2], out.Dimensions[3]
	if (ih > 0) != (iw > 0) || ih != oh || iw != ow {
		return nil, modelError(name, "input %v and output %v differ in height or width; want an image-to-image network", in.Dimensions, out.Dimensions)
	}
	if ih > 0 {
		s.FixedH, s.FixedW = int(ih), int(iw)
	}

	switch v := s.Meta[MetaOutput]; v {
	case "", "residual", "noise":
	case "clean", "image":
		s.Residual = false
	default:
		return nil, modelError(name, "metadata %s=%q; want residual or clean", MetaOutput, v)
	}
	switch v := s.Meta[MetaExtra]; v {
	case "":
		s.SigmaMap = s.InChannels == s.OutChannels+1
	case "sigma":
		s.SigmaMap = true
	case "guide":
		s.Guide = true
	case "guide+sigma":
		s.Guide, s.SigmaMap = true, true
	case "guide+source":
		s.Guide, s.Source = true, true
	case "guide+source+sigma":
		s.Guide, s.Source, s.SigmaMap = true, true, true
	case "none":
	default:
		return nil, modelError(name, "metadata %s=%q; want none, sigma, guide, guide+sigma, guide+source or guide+source+sigma", MetaExtra, v)
	}
	s.ImageChannels = s.OutChannels
	switch v := s.Meta[MetaChannels]; v {
	case "":
	case "gray", "luma", "y":
		if s.ImageChannels != 1 {
			return nil, modelError(name, "metadata %s=%s but %d output channels", MetaChannels, v, s.OutChannels)
		}
	case "rgb":
		if s.ImageChannels != 3 {
			return nil, modelError(name, "metadata %s=rgb but %d output channels", MetaChannels, s.OutChannels)
		}
	default:
		return nil, modelError(name, "metadata %s=%q; want gray or rgb", MetaChannels, v)
	}
	want := s.ImageChannels * (1 + s.GuideSets())
	if s.SigmaMap {
		want++
	}
	if s.ImageChannels != 1 && s.ImageChannels != 3 || s.InChannels != want {
		return nil, modelError(name, "takes %d channels and gives %d; want 1→1 or 3→3 (gray or RGB), plus the guide channels and a noise-level map its metadata announces", s.InChannels, s.OutChannels)
	}
	if v, ok := s.Meta[MetaRadius]; ok {
		r, err := strconv.Atoi(v)
		if err != nil || r < 0 {
			return nil, modelError(name, "metadata %s=%q is not a radius in pixels", MetaRadius, v)
		}
		s.Radius = r
	}
	return s, nil
}

// GuideSets is how many sets of ImageChannels planes follow the image channels: the guide's,
// then the source's.
func (s *Spec) GuideSets() int {
	n := 0
	if s.Guide {
		n++
	}
	if s.Source {
		n++
	}
	return n
}

// Describe is a one-line summary of the spec for logs.
func (s *Spec) Describe() string {
	ch := "gray"
	if s.ImageChannels == 3 {
		ch = "rgb"
	}
	if s.Guide {
		ch += "+guide"
	}
	if s.Source {
		ch += "+source"
	}
	if s.SigmaMap {
		ch += "+sigma"
	}
	out := "residual"
	if !s.Residual {
		out = "clean"
	}
	r := "unknown"
	if s.Radius > 0 {
		r = strconv.Itoa(s.Radius)
	}
	return fmt.Sprintf("%s: %s in, %s out, receptive radius %s", s.Name, ch, out, r)
}
