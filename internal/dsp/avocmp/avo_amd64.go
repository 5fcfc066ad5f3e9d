//go:build amd64

package avocmp

import "golang.org/x/sys/cpu"

func init() {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		updateColsImpls = append(updateColsImpls, impl[updateColsFunc]{"avo", updateColsAVO})
		ssdImpls = append(ssdImpls, impl[ssdFunc]{"avo", ssdAVO})
	}
}
