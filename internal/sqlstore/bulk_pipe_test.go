package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"
)

// TestRowBatcherTyped queues rows value by value, as an import does, in a
// bulk transaction (packed, where SQLite is the C library) and in a plain
// one (the driver's values), and reads back each value with the type it
// was stored as. A row with a value that cannot be written is refused by
// end and leaves nothing behind: the rows around it land whole.
func TestRowBatcherTyped(t *testing.T) {
	errBad := errors.New("not hex")
	for _, bulk := range []bool{true, false} {
		db := OpenTest(t, SQLite)
		if _, err := db.SQL().Exec(`CREATE TABLE typed (id INTEGER PRIMARY KEY, flag INTEGER, t TEXT, tn TEXT, tb TEXT, b BLOB, h BLOB)`); err != nil {
			t.Fatal(err)
		}
		run := db.inTx
		if bulk {
			run = func(ctx context.Context, fn func(tx *Tx) error) error { return db.inBulkTx(ctx, 0, fn) }
		}
		var refused error
		err := run(context.Background(), func(tx *Tx) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			pipe := newBatchPipe(ctx)
			b := newRowBatcher(tx, pipe, `INSERT INTO typed (id, flag, t, tn, tb, b, h) VALUES `, 7, 2)
			defer b.close()
			gathered := make(chan error, 1)
			go func() {
				defer close(pipe.full)
				for i := int64(1); i <= 5; i++ {
					b.begin()
					b.int(i)
					b.bool(i%2 == 0)
					b.text("行")
					b.textOrNull(map[bool]string{true: "", false: "x"}[i == 3])
					b.textBytes([]byte("tb"))
					b.blob(map[bool][]byte{true: nil, false: {1, 2}}[i == 4])
					hash := "0aFF"
					if i == 2 {
						hash = "0g"
					}
					if i == 5 {
						hash = ""
					}
					b.hexBlob(hash, errBad)
					if err := b.end(int(i)); err != nil {
						refused = err
					}
				}
				gathered <- b.flush(5)
			}()
			err := pipe.write(cancel, func(queuedBatch) {})
			if gerr := <-gathered; err == nil {
				err = gerr
			}
			return err
		})
		if err != nil {
			t.Fatalf("bulk=%v: %v", bulk, err)
		}
		if !errors.Is(refused, errBad) {
			t.Errorf("bulk=%v: the row with bad hex ended with %v, want %v", bulk, refused, errBad)
		}
		q, err := db.SQL().Query(`SELECT id, flag, t, typeof(tn), COALESCE(tn, ''), tb, typeof(b), b, typeof(h), h FROM typed ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for q.Next() {
			var id, flag int64
			var text, tnType, tn, tb, bType, hType string
			var blob, hash []byte
			if err := q.Scan(&id, &flag, &text, &tnType, &tn, &tb, &bType, &blob, &hType, &hash); err != nil {
				t.Fatal(err)
			}
			got = append(got, id)
			wantTN, wantTNType, wantBlob, wantH, wantHType := "x", "text", []byte{1, 2}, []byte{0x0a, 0xff}, "blob"
			if id == 3 {
				wantTN, wantTNType = "", "null"
			}
			if id == 4 {
				wantBlob = []byte{}
			}
			if id == 5 {
				wantH, wantHType = nil, "null"
			}
			if flag != map[bool]int64{true: 1, false: 0}[id%2 == 0] || text != "行" || tn != wantTN || tnType != wantTNType || tb != "tb" ||
				bType != "blob" || !reflect.DeepEqual(append([]byte{}, blob...), wantBlob) || hType != wantHType ||
				(wantH != nil && !reflect.DeepEqual(hash, wantH)) {
				t.Errorf("bulk=%v: row %d: %d %q %s %q %q %s %v %s %x", bulk, id, flag, text, tnType, tn, tb, bType, blob, hType, hash)
			}
		}
		if err := q.Err(); err != nil {
			t.Fatal(err)
		}
		q.Close()
		if !reflect.DeepEqual(got, []int64{1, 3, 4, 5}) {
			t.Errorf("bulk=%v: rows %v, want 1, 3, 4 and 5 (2 refused)", bulk, got)
		}
	}
}

// TestAppendIndicators checks the household's indicators against
// encoding/json, byte for byte.
func TestAppendIndicators(t *testing.T) {
	for _, ind := range []map[string]float64{
		nil,
		{},
		{"food_secure": 1, "safe_housing": 0},
		{"z": 0.5, "a": -2.25, "m": 1e21, "n": 1e-7, "o": 123456789, "p": math.Copysign(0, -1), "q": 1e-6, "r": 3e-10},
		{"x<y": 1, "é": 2, "quo\"te": 3},
	} {
		want, _ := json.Marshal(ind)
		got, err := appendIndicators([]byte("prefix"), ind)
		if err != nil || string(got) != "prefix"+string(want) {
			t.Errorf("appendIndicators(%v) = %s, %v; want prefix%s", ind, got, err, want)
		}
	}
	if _, err := appendIndicators(nil, map[string]float64{"a": math.NaN()}); err == nil {
		t.Error("appendIndicators took NaN")
	}
}
