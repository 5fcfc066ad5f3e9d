package testenv

import (
	"encoding/binary"
	"math"
)

// NIfTIHeader is a little-endian single-file NIfTI-1 header of an nx×ny×nz volume of the
// given datatype code and bits per voxel, unit voxel sizes and scale, with its 4-byte
// extension flag (352 bytes; the voxels follow it), for tests that write volumes.
func NIfTIHeader(nx, ny, nz, datatype, bitpix int) []byte {
	b := make([]byte, 352)
	le := binary.LittleEndian
	le.PutUint32(b, 348)
	for i, d := range []int{3, nx, ny, nz, 1, 1, 1, 1} {
		le.PutUint16(b[40+2*i:], uint16(d))
		le.PutUint32(b[76+4*i:], math.Float32bits(1))
	}
	le.PutUint16(b[70:], uint16(datatype))
	le.PutUint16(b[72:], uint16(bitpix))
	le.PutUint32(b[108:], math.Float32bits(352)) // vox_offset
	le.PutUint32(b[112:], math.Float32bits(1))   // scl_slope
	copy(b[344:], "n+1\x00")
	return b
}
