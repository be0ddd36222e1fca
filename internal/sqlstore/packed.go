package sqlstore

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Packed rows are statement arguments laid end to end in one byte slice, so
// that a batch of rows crosses into SQLite's C library in one call rather
// than one call per value (see packed_cgo.go). Each value is a tag byte and
// its payload: nothing for NULL, eight little-endian bytes for an integer or
// a float, a four-byte little-endian length and the bytes for text or a blob.
const (
	packedNull byte = iota
	packedInt
	packedFloat
	packedText
	packedBlob
)

// maxPackedValue bounds one text or blob value; SQLite's own default limit
// on a value is a billion bytes, far past any row Tide writes.
const maxPackedValue = 1 << 30

// appendPacked appends v, a statement argument, to buf in the packed form.
// It takes what database/sql's default converter would give the driver
// (int64, float64, bool, []byte, string, nil) and int and int32 besides;
// anything else, a time.Time among them, is an error naming its type.
func appendPacked(buf []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(buf, packedNull), nil
	case int64:
		return appendPackedInt(buf, v), nil
	case int:
		return appendPackedInt(buf, int64(v)), nil
	case int32:
		return appendPackedInt(buf, int64(v)), nil
	case bool:
		if v {
			return appendPackedInt(buf, 1), nil
		}
		return appendPackedInt(buf, 0), nil
	case float64:
		buf = append(buf, packedFloat)
		return binary.LittleEndian.AppendUint64(buf, math.Float64bits(v)), nil
	case string:
		if err := packedFits(packedText, len(v)); err != nil {
			return buf, err
		}
		return appendPackedText(buf, v), nil
	case []byte:
		if v == nil {
			return append(buf, packedNull), nil
		}
		if err := packedFits(packedBlob, len(v)); err != nil {
			return buf, err
		}
		return appendPackedBytes(buf, packedBlob, v), nil
	}
	return buf, fmt.Errorf("cannot pack a value of type %T", v)
}

func appendPackedInt(buf []byte, v int64) []byte {
	buf = append(buf, packedInt)
	return binary.LittleEndian.AppendUint64(buf, uint64(v))
}

// appendPackedText appends s, which the caller knows to be shorter than
// maxPackedValue, as text.
func appendPackedText(buf []byte, s string) []byte {
	buf = append(buf, packedText)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(s)))
	return append(buf, s...)
}

// appendPackedBytes appends p, which the caller knows to be shorter than
// maxPackedValue, as a value of tag packedText or packedBlob.
func appendPackedBytes(buf []byte, tag byte, p []byte) []byte {
	buf = append(buf, tag)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(p)))
	return append(buf, p...)
}

// packedFits refuses a text (tag packedText) or blob of n bytes that is
// longer than maxPackedValue.
func packedFits(tag byte, n int) error {
	switch {
	case n <= maxPackedValue:
		return nil
	case tag == packedText:
		return fmt.Errorf("a text value of %d bytes is too long", n)
	}
	return fmt.Errorf("a blob of %d bytes is too long", n)
}
