package zeek

// ParseTimestamp parses an ISO 8601 / RFC 3339 timestamp into nanoseconds
// since the Unix epoch: "2020-10-06T17:32:46.785668Z" (Zeek JSON with
// json_timestamps=ISO8601), "2021-06-06T15:59:46.457984+0200" (Suricata),
// "+02:00" and "+02" offsets, a space instead of "T", any number of fraction
// digits (rounded half up to 1 ns). Without a zone the time is taken as UTC.
// It does not allocate.
func ParseTimestamp(b []byte) (int64, bool) {
	// YYYY-MM-DD
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != 't' && b[10] != ' ') ||
		b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	year, ok1 := digitsN(b[0:4])
	mon, ok2 := digitsN(b[5:7])
	day, ok3 := digitsN(b[8:10])
	hh, ok4 := digitsN(b[11:13])
	mm, ok5 := digitsN(b[14:16])
	ss, ok6 := digitsN(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mon < 1 || mon > 12 || day < 1 ||
		day > daysIn(year, mon) || hh > 23 || mm > 59 || ss > 60 {
		return 0, false
	}
	rest := b[19:]
	var frac int64
	if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
		i := 1
		scale := int64(100000000)
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			d := int64(rest[i] - '0')
			if scale > 0 {
				frac += d * scale
				scale /= 10
			} else if scale == 0 {
				if d >= 5 {
					frac++
				}
				scale = -1
			}
			i++
		}
		if i == 1 {
			return 0, false
		}
		rest = rest[i:]
	}
	var off int64
	switch {
	case len(rest) == 0:
	case len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z'):
	case rest[0] == '+' || rest[0] == '-':
		z := rest[1:]
		var oh, om int
		var ok bool
		switch {
		case len(z) == 2:
			oh, ok = digitsN(z)
		case len(z) == 4:
			oh, ok = digitsN(z[:2])
			if ok {
				om, ok = digitsN(z[2:])
			}
		case len(z) == 5 && z[2] == ':':
			oh, ok = digitsN(z[:2])
			if ok {
				om, ok = digitsN(z[3:])
			}
		}
		if !ok || oh > 23 || om > 59 {
			return 0, false
		}
		off = int64(oh*3600+om*60) * 1e9
		if rest[0] == '-' {
			off = -off
		}
	default:
		return 0, false
	}
	days := daysFromCivil(int64(year), int64(mon), int64(day))
	secs := days*86400 + int64(hh*3600+mm*60+ss)
	return secs*1e9 + frac - off, true
}

func digitsN(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns days since 1970-01-01 (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
