package configs

// Overrides are the filtering settings a program sets by name rather than through flags (the
// Go API's denoise.Settings, the GStreamer element's properties), each with the meaning of
// the command's flag of the same purpose; a zero field keeps the preset's value.
type Overrides struct {
	Mode        string  // --mode
	Sigma       float64 // --sigma
	Strength    float64 // --nlm-h
	Radius      int     // --radius
	Causal      bool    // --causal
	Model       string  // --model
	Workers     int     // --workers
	ImpulseKind string  // --impulse-kind
}

// Apply writes the non-zero overrides into c.
func (o Overrides) Apply(c *Config) {
	if o.Mode != "" {
		c.Mode = o.Mode
	}
	if o.Sigma != 0 {
		c.Sigma = o.Sigma
	}
	if o.Strength != 0 {
		c.NLM.H = o.Strength
	}
	if o.Radius != 0 {
		c.Temporal.Radius = o.Radius
	}
	if o.Causal {
		c.Temporal.Causal = true
	}
	if o.Model != "" {
		c.CNN.Model = o.Model
	}
	if o.Workers != 0 {
		c.Pipeline.Workers = o.Workers
	}
	if o.ImpulseKind != "" {
		c.Impulse.Kind = o.ImpulseKind
	}
}
