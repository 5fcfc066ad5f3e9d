// Package configs holds denoise's configuration: the struct, its built-in defaults, the
// preset YAML files, the layering (defaults ← preset ← --config file ← DENOISE_* environment
// ← flags) and validation whose errors name the YAML key and the allowed values.
package configs
