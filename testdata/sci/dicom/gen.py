#!/usr/bin/python3
# Regenerates the small DICOM fixtures of sci/dicom (pydicom 2.3, Debian 12). Sample (frame f
# (the InstanceNumber for series/),
# sample s, row y, column x) = (x*37 + y*101 + f*53 + s*17) mod 2^BitsStored, minus
# 2^(BitsStored-1) when signed; the Go tests recompute it.
import os, numpy as np, pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ImplicitVRLittleEndian, ExplicitVRLittleEndian

def val(f, s, y, x, bits, signed):
    v = (x * 37 + y * 101 + f * 53 + s * 17) % (1 << bits)
    return v - (1 << (bits - 1)) if signed else v

def make(path, ts, rows, cols, frames=1, samples=1, alloc=16, stored=12, signed=False,
         planar=0, extra=None, instance=1, position=None, series="1.2.3.4.5.6.7", fbase=0):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
    meta.MediaStorageSOPInstanceUID = "1.2.3.4.5.6.7.%d" % instance
    meta.TransferSyntaxUID = ts
    meta.ImplementationClassUID = "1.2.3.4.99"
    ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.is_little_endian = True
    ds.is_implicit_VR = ts == ImplicitVRLittleEndian
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.Modality = "MR"
    ds.PatientName = "Test^Fixture"
    ds.SeriesInstanceUID = series
    ds.InstanceNumber = instance
    if position is not None:
        ds.ImagePositionPatient = position
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = "RGB" if samples == 3 else "MONOCHROME2"
    if samples == 3:
        ds.PlanarConfiguration = planar
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = alloc, stored, stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    if extra:
        extra(ds)
    dt = {(8, False): np.uint8, (16, False): np.uint16, (16, True): np.int16}[(alloc, signed)]
    a = np.zeros((frames, rows, cols, samples), dtype=dt)
    for f in range(frames):
        for s in range(samples):
            for y in range(rows):
                for x in range(cols):
                    a[f, y, x, s] = val(f + fbase, s, y, x, stored, signed)
    if planar == 1:
        a = a.transpose(0, 3, 1, 2)
    ds.PixelData = a.astype(a.dtype.newbyteorder("<")).tobytes()
    ds.save_as(path, write_like_original=False)

def seqs(ds):
    # undefined-length sequence with a nested sequence, and a private element
    item = Dataset()
    item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
    item.ReferencedSOPInstanceUID = "1.2.3.9"
    inner = Dataset()
    inner.CodeValue = "123"
    item.PurposeOfReferenceCodeSequence = Sequence([inner])
    ds.ReferencedImageSequence = Sequence([item, Dataset()])
    ds.ReferencedImageSequence.is_undefined_length = True
    ds.add_new(0x00291010, "OB", b"private\0")
    ds.RescaleSlope = "0.5"
    ds.RescaleIntercept = "-10"

make("implicit_s12.dcm", ImplicitVRLittleEndian, 5, 6, signed=True, extra=seqs)
make("explicit_mf8.dcm", ExplicitVRLittleEndian, 4, 7, frames=3, alloc=8, stored=8, extra=seqs)
make("rgb_planar.dcm", ExplicitVRLittleEndian, 3, 4, frames=2, samples=3, alloc=8, stored=8, planar=1)
os.makedirs("series", exist_ok=True)
for name, inst, z in [("b.dcm", 1, 4.0), ("c.dcm", 2, 6.0), ("a.dcm", 3, 8.0)]:
    make("series/" + name, ImplicitVRLittleEndian, 4, 4, instance=inst, position=[0, 0, z], fbase=inst)
open("series/README.txt", "w").write("not DICOM: skipped\n")
