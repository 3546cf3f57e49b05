package zeek

import (
	"io"
	"strings"
	"testing"
)

// TestLenient: a Lenient reader keeps lines with values that do not parse
// as their type (Zeek's masked test timestamps, a bad address, a bad set
// element) and lists exactly those columns; the default reader skips the
// same lines; lines with a wrong field count are skipped by both.
func TestLenient(t *testing.T) {
	const log = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n" +
		"#fields\tts\tid.orig_h\tid.orig_p\tduration\ttunnel_parents\n" +
		"#types\ttime\taddr\tport\tinterval\tset[count]\n" +
		"1.5\t1.2.3.4\t80\t0.5\t1,2\n" + // good
		"XXXXXXXXXX.XXXXXX\t1.2.3.4\t80\t-\t(empty)\n" + // masked ts
		"1.5\tnot-an-ip\t99999\t0.5\t1,x\n" + // bad addr, port, set element
		"1.5\t1.2.3.4\n" + // field count
		"2.5\t5.6.7.8\t1\t-\t-\n" // good
	want := [][]int{nil, {0}, {1, 2, 4}, nil}
	r, err := NewTSVReader(strings.NewReader(log), TSVOptions{Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	var got [][]int
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, append([]int(nil), rec.BadFields...))
		for _, b := range rec.BadFields {
			if !rec.BadField(b) {
				t.Errorf("line %d: BadField(%d) false", rec.Line, b)
			}
			if _, st := rec.Time(0); b == 0 && st != Bad {
				t.Errorf("line %d: Time status %v, want bad", rec.Line, st)
			}
		}
		if rec.BadField(3) {
			t.Errorf("line %d: duration reported bad", rec.Line)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("lenient kept %d records, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("record %d: bad fields %v, want %v", i, got[i], want[i])
		}
		for k := range want[i] {
			if got[i][k] != want[i][k] {
				t.Fatalf("record %d: bad fields %v, want %v", i, got[i], want[i])
			}
		}
	}
	if r.MalformedCount() != 1 || r.Malformed()[0].Reason != ReasonFieldCount {
		t.Errorf("lenient malformed: %+v", r.Malformed())
	}

	strict, _ := NewTSVReader(strings.NewReader(log), TSVOptions{})
	n := 0
	for {
		if _, err := strict.Next(); err != nil {
			break
		}
		n++
	}
	if n != 2 || strict.MalformedCount() != 3 {
		t.Errorf("strict: %d records, %d malformed; want 2, 3", n, strict.MalformedCount())
	}

	// Steady state: a lenient line with bad values allocates nothing (bad
	// addresses excepted: netip.ParseAddr allocates its error).
	var sb strings.Builder
	sb.WriteString(log[:strings.Index(log, "1.5\t")])
	for range 200 {
		sb.WriteString("XXXXXXXXXX.XXXXXX\t1.2.3.4\t99999\t-\t(empty)\n")
	}
	lr, _ := NewTSVReader(strings.NewReader(sb.String()), TSVOptions{Lenient: true})
	lr.Next()
	if a := testing.AllocsPerRun(100, func() {
		if rec, err := lr.Next(); err != nil || len(rec.BadFields) != 2 {
			t.Fatalf("%v %v", rec, err)
		}
	}); a != 0 {
		t.Errorf("lenient Next: %v allocs", a)
	}
}
