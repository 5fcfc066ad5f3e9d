package dsp

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Parity of the fast NLM kernels with their references (checkasm_test.go's harness).

func TestNLMColsParity(t *testing.T) {
	forEachTier(t, func(t *testing.T) {
		needFast(t, fastNLMAddCols != nil && fastNLMUpdateCols != nil && fastNLMAddCols3 != nil && fastNLMUpdateCols3 != nil)
		r := rand.New(rand.NewPCG(3, 4))
		for _, w := range parityWidths {
			for off := range 3 {
				a, b := randF32(r, w, 0, 1), randF32(r, w+2, 0, 1)
				col0, ring0 := randF32(r, w, 0, 2), randF32(r, w, 0, 0.5)
				// one offset
				for _, k := range []struct {
					name      string
					ref, fast func(col, ring, a, b []float32)
				}{{"NLMAddCols", nlmAddColsGeneric, fastNLMAddCols}, {"NLMUpdateCols", nlmUpdateColsGeneric, fastNLMUpdateCols}} {
					wc, wr := append([]float32(nil), col0...), append([]float32(nil), ring0...)
					k.ref(wc, wr, a, b)
					gc, gr := newGuardedF32(w, off), newGuardedF32(w, off)
					gc.fill(col0)
					gr.fill(ring0)
					ga, gb := newGuardedF32(w, off+1), newGuardedF32(w, off+2)
					ga.fill(a)
					gb.fill(b)
					k.fast(gc.Data, gr.Data, ga.Data, gb.Data)
					gc.check(t, k.name+" col")
					gr.check(t, k.name+" ring")
					what := fmt.Sprintf("%s w=%d off=%d", k.name, w, off)
					compareF32(t, what+" col", gc.Data, wc)
					compareF32(t, what+" ring", gr.Data, wr)
				}
				// three offsets
				for _, k := range []struct {
					name      string
					ref, fast func(c0, c1, c2, r0, r1, r2, a, b []float32)
				}{{"NLMAddCols3", nlmAddCols3Generic, fastNLMAddCols3}, {"NLMUpdateCols3", nlmUpdateCols3Generic, fastNLMUpdateCols3}} {
					var wc, wr [3][]float32
					var gc, gr [3]*guardedF32
					for i := range 3 {
						wc[i], wr[i] = append([]float32(nil), col0...), append([]float32(nil), ring0...)
						gc[i], gr[i] = newGuardedF32(w, off+i), newGuardedF32(w, off)
						gc[i].fill(col0)
						gr[i].fill(ring0)
					}
					k.ref(wc[0], wc[1], wc[2], wr[0], wr[1], wr[2], a, b)
					gb := newGuardedF32(w+2, off)
					gb.fill(b)
					k.fast(gc[0].Data, gc[1].Data, gc[2].Data, gr[0].Data, gr[1].Data, gr[2].Data, a, gb.Data)
					for i := range 3 {
						gc[i].check(t, k.name+" col")
						gr[i].check(t, k.name+" ring")
					}
					for i := range 3 {
						what := fmt.Sprintf("%s w=%d off=%d offset %d", k.name, w, off, i)
						compareF32(t, what+" col", gc[i].Data, wc[i])
						compareF32(t, what+" ring", gr[i].Data, wr[i])
					}
				}
			}
		}
	})
}

func TestNLMSumColsParity(t *testing.T) {
	needFast(t, fastNLMSumCols != nil && fastNLMAddSumCols != nil)
	r := rand.New(rand.NewPCG(41, 42))
	for _, w := range parityWidths {
		for _, box := range []int{1, 3, 5, 7, 9} {
			for off := range 3 {
				stride := w + off + 5 // rows wider than the columns summed
				ring := randF32(r, (box-1)*stride+w, 0, 3)
				col0 := randF32(r, w, 0, 20)
				for _, k := range []struct {
					name      string
					ref, fast func(col, ring []float32, stride, box int)
				}{{"NLMSumCols", nlmSumColsGeneric, fastNLMSumCols}, {"NLMAddSumCols", nlmAddSumColsGeneric, fastNLMAddSumCols}} {
					want := append([]float32(nil), col0...)
					k.ref(want, ring, stride, box)
					gc, gr := newGuardedF32(w, off), newGuardedF32(len(ring), off+1)
					gc.fill(col0)
					gr.fill(ring)
					k.fast(gc.Data, gr.Data, stride, box)
					what := fmt.Sprintf("%s w=%d box=%d off=%d", k.name, w, box, off)
					gc.check(t, what+" col")
					gr.check(t, what+" ring")
					exactF32(t, what, gc.Data, want)
					exactF32(t, what+" ring unchanged", gr.Data, ring)
				}
			}
		}
	}
}

func TestNLMAccumRowParity(t *testing.T) {
	needFast(t, fastNLMAccumRow != nil)
	r := rand.New(rand.NewPCG(5, 6))
	for _, wt := range nlmWeights {
		for _, box := range []int{1, 3, 5, 7} {
			for _, w := range parityWidths {
				off := w % 4
				col := colRow(r, w+box-1, box)
				vp, vq := randF32(r, w, 0, 1), randF32(r, w, 0, 1)
				acc0 := randF32(r, 4*w, 0, 3)
				want := append([]float32(nil), acc0...)
				nlmAccumRowGeneric(wt, col, box, vp, vq, want[:w], want[w:2*w], want[2*w:3*w], want[3*w:])
				var g [4]*guardedF32
				for i := range g {
					g[i] = newGuardedF32(w, off+i)
					g[i].fill(acc0[i*w : (i+1)*w])
				}
				gcol := newGuardedF32(len(col), off)
				gcol.fill(col)
				fastNLMAccumRow(wt, gcol.Data, box, vp, vq, g[0].Data, g[1].Data, g[2].Data, g[3].Data)
				for i := range g {
					g[i].check(t, "NLMAccumRow")
				}
				for i := range g {
					what := fmt.Sprintf("NLMAccumRow %+v box=%d w=%d out %d", wt, box, w, i)
					compareF32(t, what, g[i].Data, want[i*w:(i+1)*w])
				}
			}
		}
	}
	// Offsets with dy = 0: the reverse rows are the direct ones shifted by dx.
	for _, dx := range []int{1, 2, 5, 7, 9} {
		for _, w := range parityWidths {
			const box = 3
			col := colRow(r, w+box-1, box)
			vp, vq := randF32(r, w, 0, 1), randF32(r, w, 0, 1)
			acc0 := randF32(r, 2*(w+dx), 0, 3)
			want := append([]float32(nil), acc0...)
			n := w + dx
			nlmAccumRowGeneric(nlmWeights[0], col, box, vp, vq, want[:w], want[n:n+w], want[dx:n], want[n+dx:])
			gw, gv := newGuardedF32(n, 1), newGuardedF32(n, 2)
			gw.fill(acc0[:n])
			gv.fill(acc0[n:])
			fastNLMAccumRow(nlmWeights[0], col, box, vp, vq, gw.Data[:w], gv.Data[:w], gw.Data[dx:], gv.Data[dx:])
			gw.check(t, "weights")
			gv.check(t, "values")
			what := fmt.Sprintf("NLMAccumRow aliased dx=%d w=%d", dx, w)
			compareF32(t, what+" weights", gw.Data, want[:n])
			compareF32(t, what+" values", gv.Data, want[n:])
		}
	}
}

func TestNLMCrossRowParity(t *testing.T) {
	forEachTier(t, func(t *testing.T) {
		needFast(t, fastNLMCrossRow != nil && fastNLMCrossRowRel != nil && fastNLMCrossRow3 != nil)
		r := rand.New(rand.NewPCG(7, 8))
		for _, wt := range nlmWeights {
			for _, box := range []int{1, 3, 5, 7} {
				for _, w := range parityWidths {
					off := (w + box) % 5
					var cols [3][]float32
					for i := range cols {
						cols[i] = colRow(r, w+box-1, box)
					}
					vq, rel := randF32(r, w+2, 0, 1), randF32(r, w+2, 0, 1)
					acc0 := randF32(r, 2*w, 0, 3)
					for kind := range 3 {
						want := append([]float32(nil), acc0...)
						gw, gv := newGuardedF32(w, off), newGuardedF32(w, off+1)
						gw.fill(acc0[:w])
						gv.fill(acc0[w:])
						var name string
						switch kind {
						case 0:
							name = "NLMCrossRow"
							nlmCrossRowGeneric(wt, cols[0], box, vq[:w], want[:w], want[w:])
							fastNLMCrossRow(wt, cols[0], box, vq[:w], gw.Data, gv.Data)
						case 1:
							name = "NLMCrossRowRel"
							nlmCrossRowRelGeneric(wt, cols[0], box, vq[:w], rel, want[:w], want[w:])
							fastNLMCrossRowRel(wt, cols[0], box, vq[:w], rel, gw.Data, gv.Data)
						case 2:
							name = "NLMCrossRow3"
							nlmCrossRow3Generic(wt, cols[0], cols[1], cols[2], box, vq, rel, want[:w], want[w:])
							fastNLMCrossRow3(wt, cols[0], cols[1], cols[2], box, vq, rel, gw.Data, gv.Data)
						}
						gw.check(t, "weights")
						gv.check(t, "values")
						what := fmt.Sprintf("%s %+v box=%d w=%d", name, wt, box, w)
						compareF32(t, what+" weights", gw.Data, want[:w])
						compareF32(t, what+" values", gv.Data, want[w:])
					}
				}
			}
		}
	})
}

func TestNLMAccumRow3Parity(t *testing.T) {
	needFast(t, fastNLMAccumRow3 != nil)
	r := rand.New(rand.NewPCG(9, 10))
	widths := append([]int{nlmChunk - 3, nlmChunk + 9, 2*nlmChunk + 17}, parityWidths...)
	for _, wt := range nlmWeights {
		for _, box := range []int{1, 3, 5, 7} {
			for _, w := range widths {
				off := w % 3
				var cols [3]*guardedF32
				for i := range cols {
					cols[i] = newGuardedF32(w+box-1, off+i)
					cols[i].fill(colRow(r, w+box-1, box))
				}
				vp, vq := randF32(r, w, 0, 1), randF32(r, w+2, 0, 1)
				lens := []int{w, w, w + 2, w + 2}
				var want [4][]float32
				var g [4]*guardedF32
				for i, l := range lens {
					want[i] = randF32(r, l, 0, 3)
					g[i] = newGuardedF32(l, off+i)
					g[i].fill(want[i])
				}
				nlmAccumRow3Generic(wt, cols[0].Data, cols[1].Data, cols[2].Data, box, vp, vq, want[0], want[1], want[2], want[3])
				fastNLMAccumRow3(wt, cols[0].Data, cols[1].Data, cols[2].Data, box, vp, vq, g[0].Data, g[1].Data, g[2].Data, g[3].Data)
				for i := range g {
					g[i].check(t, "NLMAccumRow3")
				}
				for i := range g {
					what := fmt.Sprintf("NLMAccumRow3 %+v box=%d w=%d out %d", wt, box, w, i)
					compareF32(t, what, g[i].Data, want[i])
				}
			}
		}
	}
	// Offsets with dy = 0: the reverse rows are the direct ones shifted by dx.
	for _, dx := range []int{1, 2, 4, 8} {
		for _, w := range append([]int{nlmChunk + 5}, parityWidths...) {
			const box = 5
			var cols [3][]float32
			for i := range cols {
				cols[i] = colRow(r, w+box-1, box)
			}
			vp, vq := randF32(r, w, 0, 1), randF32(r, w+2, 0, 1)
			n := w + dx + 2
			acc0 := randF32(r, 2*n, 0, 3)
			want := append([]float32(nil), acc0...)
			nlmAccumRow3Generic(nlmWeights[1], cols[0], cols[1], cols[2], box, vp, vq, want[:w], want[n:n+w], want[dx:n], want[n+dx:])
			gw, gv := newGuardedF32(n, 1), newGuardedF32(n, 2)
			gw.fill(acc0[:n])
			gv.fill(acc0[n:])
			fastNLMAccumRow3(nlmWeights[1], cols[0], cols[1], cols[2], box, vp, vq, gw.Data[:w], gv.Data[:w], gw.Data[dx:], gv.Data[dx:])
			gw.check(t, "weights")
			gv.check(t, "values")
			what := fmt.Sprintf("NLMAccumRow3 aliased dx=%d w=%d", dx, w)
			compareF32(t, what+" weights", gw.Data, want[:n])
			compareF32(t, what+" values", gv.Data, want[n:])
		}
	}
}

func TestNLMFinishRowParity(t *testing.T) {
	needFast(t, fastNLMFinishRow != nil)
	r := rand.New(rand.NewPCG(11, 12))
	for _, c := range []float32{1, 0} {
		for _, w := range parityWidths {
			off := w % 4
			aw, av, u := randF32(r, w, 0, 5), randF32(r, w, 0, 5), randF32(r, w, 0, 1)
			for i := 0; i < w; i += 3 {
				aw[i] = 0 // with c = 0: nothing weighed
			}
			want := make([]float32, w)
			nlmFinishRowGeneric(want, aw, av, u, c)
			g := newGuardedF32(w, off)
			fastNLMFinishRow(g.Data, aw, av, u, c)
			g.check(t, "NLMFinishRow")
			what := fmt.Sprintf("NLMFinishRow c=%g w=%d", c, w)
			compareF32(t, what, g.Data, want)
		}
	}
}

func TestNLMAccumRow3JointParity(t *testing.T) {
	needFast(t, fastNLMAccumRow3Joint != nil)
	r := rand.New(rand.NewPCG(15, 16))
	widths := append([]int{nlmChunk - 3, nlmChunk + 9, 2*nlmChunk + 17}, parityWidths...)
	for _, wt := range nlmWeights {
		for _, box := range []int{1, 3, 5} {
			for _, w := range widths {
				off := w % 3
				var cols [3]*guardedF32
				for i := range cols {
					cols[i] = newGuardedF32(w+box-1, off+i)
					cols[i].fill(colRow(r, w+box-1, box))
				}
				var vp, vq, want, got [3][]float32
				var wantR, gotR [3][]float32
				var g, gr [3]*guardedF32
				for c := range 3 {
					vp[c], vq[c] = randF32(r, w, 0, 1), randF32(r, w+2, 0, 1)
					want[c], wantR[c] = randF32(r, w, 0, 3), randF32(r, w+2, 0, 3)
					g[c], gr[c] = newGuardedF32(w, off+c), newGuardedF32(w+2, off)
					g[c].fill(want[c])
					gr[c].fill(wantR[c])
					got[c], gotR[c] = g[c].Data, gr[c].Data
				}
				dw, rw := randF32(r, w, 0, 3), randF32(r, w+2, 0, 3)
				gw, grw := newGuardedF32(w, off+1), newGuardedF32(w+2, off+2)
				gw.fill(dw)
				grw.fill(rw)
				nlmAccumRow3JointGeneric(wt, cols[0].Data, cols[1].Data, cols[2].Data, box, &vp, &vq, &want, &wantR, dw, rw)
				fastNLMAccumRow3Joint(wt, cols[0].Data, cols[1].Data, cols[2].Data, box, &vp, &vq, &got, &gotR, gw.Data, grw.Data)
				gw.check(t, "NLMAccumRow3Joint dw")
				grw.check(t, "NLMAccumRow3Joint rw")
				what := fmt.Sprintf("NLMAccumRow3Joint %+v box=%d w=%d", wt, box, w)
				compareF32(t, what+" dw", gw.Data, dw)
				compareF32(t, what+" rw", grw.Data, rw)
				for c := range 3 {
					g[c].check(t, "NLMAccumRow3Joint dv")
					gr[c].check(t, "NLMAccumRow3Joint rv")
					compareF32(t, what+" dv", g[c].Data, want[c])
					compareF32(t, what+" rv", gr[c].Data, wantR[c])
				}
			}
		}
	}
}

func TestNLMAccumRowJointParity(t *testing.T) {
	needFast(t, fastNLMAccumRowJoint != nil)
	r := rand.New(rand.NewPCG(17, 18))
	widths := append([]int{nlmChunk - 3, nlmChunk + 9, 2*nlmChunk + 17}, parityWidths...)
	for _, wt := range nlmWeights {
		for _, box := range []int{1, 3, 5} {
			for _, w := range widths {
				off := w % 3
				gcol := newGuardedF32(w+box-1, off)
				gcol.fill(colRow(r, w+box-1, box))
				var vp, vq, want, wantR, got, gotR [3][]float32
				var g, gr [3]*guardedF32
				for c := range 3 {
					vp[c], vq[c] = randF32(r, w, 0, 1), randF32(r, w, 0, 1)
					want[c], wantR[c] = randF32(r, w, 0, 3), randF32(r, w, 0, 3)
					g[c], gr[c] = newGuardedF32(w, off+c), newGuardedF32(w, off+2-c)
					g[c].fill(want[c])
					gr[c].fill(wantR[c])
					got[c], gotR[c] = g[c].Data, gr[c].Data
				}
				dw, rw := randF32(r, w, 0, 3), randF32(r, w, 0, 3)
				gw, grw := newGuardedF32(w, off+1), newGuardedF32(w, off+2)
				gw.fill(dw)
				grw.fill(rw)
				nlmAccumRowJointGeneric(wt, gcol.Data, box, &vp, &vq, &want, &wantR, dw, rw)
				fastNLMAccumRowJoint(wt, gcol.Data, box, &vp, &vq, &got, &gotR, gw.Data, grw.Data)
				gcol.check(t, "NLMAccumRowJoint col")
				gw.check(t, "NLMAccumRowJoint dw")
				grw.check(t, "NLMAccumRowJoint rw")
				what := fmt.Sprintf("NLMAccumRowJoint %+v box=%d w=%d", wt, box, w)
				compareF32(t, what+" dw", gw.Data, dw)
				compareF32(t, what+" rw", grw.Data, rw)
				for c := range 3 {
					g[c].check(t, "NLMAccumRowJoint dv")
					gr[c].check(t, "NLMAccumRowJoint rv")
					compareF32(t, what+" dv", g[c].Data, want[c])
					compareF32(t, what+" rv", gr[c].Data, wantR[c])
				}
			}
		}
	}
	// Offsets with dy = 0: the reverse rows are the direct ones shifted by dx.
	for _, dx := range []int{1, 2, 5, 7, 9} {
		for _, w := range parityWidths {
			const box = 3
			col := colRow(r, w+box-1, box)
			n := w + dx
			var vp, vq, want, wantR, got, gotR, wantAll [3][]float32
			var gv [3]*guardedF32
			for c := range 3 {
				vp[c], vq[c] = randF32(r, w, 0, 1), randF32(r, w, 0, 1)
				acc := randF32(r, n, 0, 3)
				wantAll[c] = append([]float32(nil), acc...)
				want[c], wantR[c] = wantAll[c][:w], wantAll[c][dx:]
				gv[c] = newGuardedF32(n, c)
				gv[c].fill(acc)
				got[c], gotR[c] = gv[c].Data[:w], gv[c].Data[dx:]
			}
			accW := randF32(r, n, 0, 3)
			wantW := append([]float32(nil), accW...)
			gw := newGuardedF32(n, 1)
			gw.fill(accW)
			nlmAccumRowJointGeneric(nlmWeights[0], col, box, &vp, &vq, &want, &wantR, wantW[:w], wantW[dx:])
			fastNLMAccumRowJoint(nlmWeights[0], col, box, &vp, &vq, &got, &gotR, gw.Data[:w], gw.Data[dx:])
			gw.check(t, "weights")
			what := fmt.Sprintf("NLMAccumRowJoint aliased dx=%d w=%d", dx, w)
			compareF32(t, what+" weights", gw.Data, wantW)
			for c := range 3 {
				gv[c].check(t, "values")
				compareF32(t, what+" values", gv[c].Data, wantAll[c])
			}
		}
	}
}

func TestNLMCrossRowRelJointParity(t *testing.T) {
	needFast(t, fastNLMCrossRowRelJoint != nil)
	r := rand.New(rand.NewPCG(21, 22))
	widths := append([]int{nlmChunk - 3, nlmChunk + 9, 2*nlmChunk + 17}, parityWidths...)
	for _, wt := range nlmWeights {
		for _, box := range []int{1, 3, 5} {
			for _, w := range widths {
				off := w % 3
				gcol := newGuardedF32(w+box-1, off)
				gcol.fill(colRow(r, w+box-1, box))
				rel := randF32(r, w, 0, 1)
				var vq, want, got [3][]float32
				var g [3]*guardedF32
				for c := range 3 {
					vq[c] = randF32(r, w, 0, 1)
					want[c] = randF32(r, w, 0, 3)
					g[c] = newGuardedF32(w, off+c)
					g[c].fill(want[c])
					got[c] = g[c].Data
				}
				dw := randF32(r, w, 0, 3)
				gw := newGuardedF32(w, off+1)
				gw.fill(dw)
				nlmCrossRowRelJointGeneric(wt, gcol.Data, box, &vq, rel, dw, &want)
				fastNLMCrossRowRelJoint(wt, gcol.Data, box, &vq, rel, gw.Data, &got)
				gcol.check(t, "NLMCrossRowRelJoint col")
				gw.check(t, "NLMCrossRowRelJoint dw")
				what := fmt.Sprintf("NLMCrossRowRelJoint %+v box=%d w=%d", wt, box, w)
				compareF32(t, what+" dw", gw.Data, dw)
				for c := range 3 {
					g[c].check(t, "NLMCrossRowRelJoint dv")
					compareF32(t, what+" dv", g[c].Data, want[c])
				}
			}
		}
	}
}
