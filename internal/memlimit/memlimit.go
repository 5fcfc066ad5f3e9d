// Package memlimit is the run's memory budget: the --memory-limit value, its default (a
// quarter of the machine's memory), and the one-line refusal of work that would not fit.
package memlimit

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Flag is how the budget is named in refusals.
const Flag = "--memory-limit"

// Auto is the value that selects the default budget.
const Auto = "auto"

// fallback is the default budget where the machine's memory cannot be read.
const fallback = 4 << 30

// Default is a quarter of the physical memory (4 GiB where it cannot be read).
func Default() int64 {
	if m := physical(); m > 0 {
		return m / 4
	}
	return fallback
}

var units = []struct {
	suffix string
	mult   float64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40},
	{"b", 1},
}

// Parse reads a budget: "auto" (Default), or a size such as 512MiB, 1.5GiB, 2G (binary
// units), 800MB (decimal) or a number of bytes.
func Parse(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" || t == Auto {
		return Default(), nil
	}
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || v <= 0 {
		return 0, errors.New("want auto or a positive size such as 512MiB, 1.5GiB or 800MB")
	}
	b := v * mult
	if b < 1<<20 || b > 1<<50 {
		return 0, errors.New("want a size from 1 MiB to 1 PiB")
	}
	return int64(b), nil
}

// Format writes a size in binary units, to three significant digits: 512 MiB, 1.5 GiB, and
// 1000 to 1023 of a unit in full (1010 MiB).
func Format(n int64) string {
	v := float64(n)
	for _, u := range []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"} {
		if v < 1024 || u == "PiB" {
			if u == "B" {
				return fmt.Sprintf("%d B", n)
			}
			if v >= 999.5 { // 'g' would write 1e+03
				return strconv.FormatFloat(v, 'f', 0, 64) + " " + u
			}
			return strconv.FormatFloat(v, 'g', 3, 64) + " " + u
		}
		v /= 1024
	}
	return ""
}

// Error is work refused for the budget: What says what it needs (and how much); the
// message ends with the budget and the flag that sets it.
type Error struct {
	What  string
	Limit int64
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: above the memory limit of %s (%s)", e.What, Format(e.Limit), Flag)
}

// Mul multiplies sizes without overflowing: the product saturates at math.MaxInt64.
func Mul(a ...int64) int64 {
	p := int64(1)
	for _, x := range a {
		if x < 0 {
			x = 0
		}
		if x != 0 && p > math.MaxInt64/x {
			return math.MaxInt64
		}
		p *= x
	}
	return p
}

// Add adds sizes, saturating at math.MaxInt64.
func Add(a ...int64) int64 {
	s := int64(0)
	for _, x := range a {
		if x > math.MaxInt64-s {
			return math.MaxInt64
		}
		s += max(x, 0)
	}
	return s
}
