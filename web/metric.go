package web

import (
	"math"
	"strconv"
)

// metric is a measurement in JSON: a number rounded to 4 decimals, null when unknown (NaN),
// and the string "inf" for a PSNR of identical pictures, which JSON numbers cannot hold.
type metric float64

// unknown is the metric that marshals as null.
var unknown = metric(math.NaN())

func (m metric) MarshalJSON() ([]byte, error) {
	v := float64(m)
	switch {
	case math.IsNaN(v):
		return []byte("null"), nil
	case math.IsInf(v, 0):
		return []byte(`"inf"`), nil
	}
	return strconv.AppendFloat(nil, math.Round(v*1e4)/1e4, 'f', -1, 64), nil
}

// mean accumulates a per-frame metric.
type mean struct {
	sum float64
	n   int
}

func (m *mean) add(v float64) { m.sum += v; m.n++ }

func (m *mean) value() metric {
	if m.n == 0 {
		return unknown
	}
	return metric(m.sum / float64(m.n))
}
