package scantest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"math/rand/v2"
)

// PNGHeaderOnly returns a PNG signature and a valid IHDR chunk declaring a
// width×height 8-bit gray image, and no pixel data: a decompression bomb's
// header, which must be refused before anything is decoded.
func PNGHeaderOnly(width, height uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], width)
	binary.BigEndian.PutUint32(ihdr[4:], height)
	ihdr[8] = 8 // bit depth; colour type 0 (gray), compression, filter, interlace 0
	writeChunk(&b, "IHDR", ihdr)
	return b.Bytes()
}

// writeChunk writes a PNG chunk with its length and CRC.
func writeChunk(b *bytes.Buffer, kind string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	b.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(kind))
	crc.Write(data)
	b.WriteString(kind)
	b.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	b.Write(n[:])
}

// TruncatedPNG returns the first half of a real PNG of a noisy page: the
// header is intact, the pixels stop short.
func TruncatedPNG() ([]byte, error) {
	img := image.NewGray(image.Rect(0, 0, 400, 300))
	addNoise(img, Style{Noise: 100, Seed: 7})
	data, err := PNG(img)
	if err != nil {
		return nil, err
	}
	return data[:len(data)/2], nil
}

// RandomBytes returns n reproducible random bytes that do not start like
// any supported format.
func RandomBytes(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(rng.UintN(256))
	}
	if n > 0 {
		out[0] = 'R' // not a JPEG, PNG, TIFF or PDF signature
	}
	return out
}
