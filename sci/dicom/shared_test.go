package dicom

import "github.com/denoise-go/denoise/internal/testenv"

var sharedRoot = testenv.SharedDir()
