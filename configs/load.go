package configs

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

//go:embed presets/*.yaml
var presets embed.FS

// Presets lists the built-in preset names.
func Presets() []string {
	ents, _ := presets.ReadDir("presets")
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// PresetYAML returns a built-in preset's text.
func PresetYAML(name string) ([]byte, error) {
	b, err := presets.ReadFile(path.Join("presets", name+".yaml"))
	if err != nil {
		return nil, &ValidationError{"preset", name, "one of " + strings.Join(Presets(), ", ")}
	}
	return b, nil
}

// Sources says where the layers above the defaults come from.
type Sources struct {
	Preset     string   // built-in preset name, or a path to a YAML file
	ConfigFile string   // --config
	Environ    []string // os.Environ() (DENOISE_* are read)
	Flags      *pflag.FlagSet
	// FlagKeys maps flag names to config keys where they differ ("input-option" → "input_options").
	FlagKeys map[string]string
}

// Load builds the configuration from its layers and validates it.
func Load(src Sources) (*Config, error) {
	v := viper.New()
	for k, val := range Defaults() {
		v.SetDefault(k, val)
	}
	v.SetConfigType("yaml")
	if src.Preset != "" {
		b, err := PresetYAML(src.Preset)
		if err != nil {
			if b, err = os.ReadFile(src.Preset); err != nil {
				return nil, &ValidationError{"preset", src.Preset, "one of " + strings.Join(Presets(), ", ") + ", or a YAML file"}
			}
		}
		if err := mergeYAML(v, b, "preset "+src.Preset); err != nil {
			return nil, err
		}
	}
	if src.ConfigFile != "" {
		b, err := os.ReadFile(src.ConfigFile)
		if err != nil {
			return nil, fmt.Errorf("config file: %w", err)
		}
		if err := mergeYAML(v, b, src.ConfigFile); err != nil {
			return nil, err
		}
	}
	if err := applyEnv(v, src.Environ); err != nil {
		return nil, err
	}
	if src.Flags != nil {
		var ferr error
		src.Flags.Visit(func(f *pflag.Flag) {
			key, ok := src.FlagKeys[f.Name]
			if !ok {
				key = strings.ReplaceAll(f.Name, "-", "_")
			}
			if !v.IsSet(key) && !hasDefault(key) {
				return // a flag that is not configuration (--help, --preset, --config)
			}
			if err := setFromFlag(v, key, f); err != nil && ferr == nil {
				ferr = err
			}
		})
		if ferr != nil {
			return nil, ferr
		}
	}
	var c Config
	if err := v.Unmarshal(&c); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if src.Preset != "" && len(c.EncoderOptions) > 0 {
		// The layers above the preset, alone, say which encoder options the user chose.
		above := src
		above.Preset = ""
		user, err := Load(above)
		if err != nil {
			return nil, err
		}
		for k := range c.EncoderOptions {
			if _, chosen := user.EncoderOptions[k]; !chosen {
				c.PresetEncoderOptions = append(c.PresetEncoderOptions, k)
			}
		}
		sort.Strings(c.PresetEncoderOptions)
	}
	return &c, nil
}

func hasDefault(key string) bool {
	_, ok := Defaults()[key]
	return ok
}

// mergeYAML merges a YAML layer, refusing keys denoise does not know so that a typo is
// reported instead of ignored.
func mergeYAML(v *viper.Viper, b []byte, what string) error {
	w := viper.New()
	w.SetConfigType("yaml")
	if err := w.ReadConfig(bytes.NewReader(b)); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	for _, k := range w.AllKeys() {
		if !hasDefault(k) && !isMapKey(k) {
			return fmt.Errorf("%s: unknown key %q", what, k)
		}
	}
	return v.MergeConfig(bytes.NewReader(b))
}

func isMapKey(k string) bool {
	for _, m := range []string{"input_options.", "encoder_options.", "muxer_options."} {
		if strings.HasPrefix(k, m) {
			return true
		}
	}
	return false
}

// applyEnv reads DENOISE_* variables: DENOISE_NLM_SEARCH → nlm.search.
func applyEnv(v *viper.Viper, environ []string) error {
	byEnv := map[string]string{}
	for k := range Defaults() {
		byEnv["DENOISE_"+strings.ToUpper(strings.NewReplacer(".", "_").Replace(k))] = k
	}
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, "DENOISE_") {
			continue
		}
		key, known := byEnv[name]
		if !known {
			continue // other DENOISE_ variables (paths for tests, the ONNX library) are not config
		}
		if isMapDefault(key) {
			m, err := parsePairs(strings.Split(val, ","), name)
			if err != nil {
				return err
			}
			v.Set(key, m)
			continue
		}
		v.Set(key, val)
	}
	return nil
}

func isMapDefault(key string) bool {
	_, ok := Defaults()[key].(map[string]string)
	return ok
}

func setFromFlag(v *viper.Viper, key string, f *pflag.Flag) error {
	if isMapDefault(key) {
		vals, _ := f.Value.(pflag.SliceValue)
		var items []string
		if vals != nil {
			items = vals.GetSlice()
		}
		m, err := parsePairs(items, "--"+f.Name)
		if err != nil {
			return err
		}
		old := v.GetStringMapString(key)
		for k, val := range m {
			old[k] = val
		}
		v.Set(key, old)
		return nil
	}
	v.Set(key, f.Value.String())
	return nil
}

func parsePairs(items []string, what string) (map[string]string, error) {
	m := map[string]string{}
	for _, it := range items {
		if it == "" {
			continue
		}
		k, val, ok := strings.Cut(it, "=")
		if !ok || k == "" {
			return nil, errors.New(what + ": expected key=value, got " + fmt.Sprintf("%q", it))
		}
		m[k] = val
	}
	return m, nil
}
