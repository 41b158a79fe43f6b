package document

import (
	"encoding/binary"
	"image"

	"claims.local/pkg/apperr"
)

// TIFF tags read by tiffPageSizes (TIFF 6.0, section 8).
const (
	tagImageWidth  = 256
	tagImageLength = 257
	typeShort      = 3
	typeLong       = 4
)

// tiffByteOrder returns the byte order a TIFF header declares.
func tiffByteOrder(data []byte) (binary.ByteOrder, error) {
	if len(data) < 8 {
		return nil, apperr.New(apperr.Unprocessable, "the tiff file is truncated")
	}
	var order binary.ByteOrder = binary.LittleEndian
	if data[0] == 'M' {
		order = binary.BigEndian
	}
	if order.Uint16(data[2:]) != 42 {
		return nil, apperr.New(apperr.UnsupportedMedia, "BigTIFF and other TIFF variants are not supported")
	}
	return order, nil
}

// tiffIFDOffsets walks the chain of image file directories (one per page)
// and returns their offsets. It stops with payload_too_large past maxPages
// pages, and refuses offsets outside the file and loops in the chain.
func tiffIFDOffsets(data []byte, maxPages int) ([]uint32, binary.ByteOrder, error) {
	order, err := tiffByteOrder(data)
	if err != nil {
		return nil, nil, err
	}
	var offsets []uint32
	seen := map[uint32]bool{}
	for off := order.Uint32(data[4:]); off != 0; {
		if seen[off] {
			return nil, nil, apperr.New(apperr.Unprocessable, "the tiff file's pages form a loop")
		}
		seen[off] = true
		if len(offsets) == maxPages {
			return nil, nil, apperr.New(apperr.TooLarge, "the document has more than %d pages; at most %d are accepted", maxPages, maxPages)
		}
		if uint64(off)+2 > uint64(len(data)) {
			return nil, nil, apperr.New(apperr.Unprocessable, "the tiff file is truncated")
		}
		n := uint64(order.Uint16(data[off:]))
		end := uint64(off) + 2 + 12*n + 4
		if end > uint64(len(data)) {
			return nil, nil, apperr.New(apperr.Unprocessable, "the tiff file is truncated")
		}
		offsets = append(offsets, off)
		off = order.Uint32(data[end-4:])
	}
	return offsets, order, nil
}

// tiffPageSizes returns the width and height each page of a TIFF file
// declares, without decoding any pixel.
func tiffPageSizes(data []byte, maxPages int) ([]image.Point, error) {
	offsets, order, err := tiffIFDOffsets(data, maxPages)
	if err != nil {
		return nil, err
	}
	sizes := make([]image.Point, 0, len(offsets))
	for i, off := range offsets {
		n := int(order.Uint16(data[off:]))
		var size image.Point
		for e := 0; e < n; e++ {
			entry := data[int(off)+2+12*e:]
			tag, typ, count := order.Uint16(entry), order.Uint16(entry[2:]), order.Uint32(entry[4:])
			if count != 1 || tag != tagImageWidth && tag != tagImageLength {
				continue
			}
			var v uint32
			switch typ {
			case typeShort:
				v = uint32(order.Uint16(entry[8:]))
			case typeLong:
				v = order.Uint32(entry[8:])
			default:
				continue
			}
			if v > 1<<30 {
				v = 1 << 30 // absurd either way; keeps the product in range
			}
			if tag == tagImageWidth {
				size.X = int(v)
			} else {
				size.Y = int(v)
			}
		}
		if size.X == 0 || size.Y == 0 {
			return nil, apperr.New(apperr.Unprocessable, "page %d of the tiff file has no width or height", i+1)
		}
		sizes = append(sizes, size)
	}
	return sizes, nil
}

// tiffPage returns a copy of a TIFF file of pages pages (as tiffPageSizes
// counted them) whose first page is page number page (0-based). TIFF
// offsets are absolute, so pointing the header at another directory is
// enough for a single-page decoder to read that page.
func tiffPage(data []byte, page, pages int) ([]byte, error) {
	offsets, order, err := tiffIFDOffsets(data, pages)
	if err != nil {
		return nil, err
	}
	if page >= len(offsets) {
		return nil, apperr.New(apperr.Unprocessable, "the tiff file has no page %d", page+1)
	}
	if page == 0 {
		return data, nil
	}
	out := make([]byte, len(data))
	copy(out, data)
	order.PutUint32(out[4:], offsets[page])
	return out, nil
}
