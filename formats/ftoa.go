// Copyright 2025 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in Go's LICENSE file (https://go.dev/LICENSE).

// The Dragonbox code below is a port of Go 1.26's internal/strconv
// (ftoadbox.go, math.go); the formatting follows its 'g' format
// (formatDigits, fmtE, fmtF in ftoa.go) for the shortest precision.

package formats

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
)

// appendShortest appends the shortest decimal that parses back to v, byte
// for byte as strconv.AppendFloat(dst, v, 'g', -1, 64) does, for a finite
// v (-0 included; NaN and ±Inf are the caller's). It does not allocate
// beyond growing dst.
//
// The digits come from Dragonbox as strconv computes them. The speed-up
// is in the rest: the significand goes straight from an integer into dst,
// eight digits at a time, instead of through a digit buffer and strconv's
// general %e/%f formatting.
func appendShortest(dst []byte, v float64) []byte {
	b := math.Float64bits(v)
	mant := b & (1<<52 - 1)
	exp := int(b>>52) & 0x7ff
	if b>>63 != 0 {
		dst = append(dst, '-')
	}
	switch {
	case exp != 0:
		mant |= 1 << 52
		exp -= 1075 // v = mant·2^exp
	case mant != 0:
		exp = -1074 // subnormal
	default:
		return append(dst, '0')
	}
	d, e := dragonbox(mant, exp) // v = d·10^e
	return appendDecimal(dst, d, e)
}

// appendDecimal appends d·10^e (0 < d < 10^17) in strconv's 'g' format for
// the shortest precision: with D the digits of d (trailing zeros, if any,
// kept) and x = len(D)-1+e the decimal exponent of the first one, %e
// (D[0], '.', D[1:] if not empty, 'e', the sign, at least two exponent
// digits) when x < -4 || x >= 6, else %f (the integer part padded with
// zeros or "0", then '.' and the rest of D, with leading zeros, if any
// remain).
func appendDecimal(dst []byte, d uint64, e int) []byte {
	n := decimalLen64(d)
	dp := n + e // digits before the decimal point
	l := len(dst)
	dst = slices.Grow(dst, 32) // at most 24 bytes, and 8 for putDigits's wide stores
	b := dst[l : l+32]
	switch {
	case dp > 6 || dp < -3: // %e
		putDigits(b[1:], d, n)
		b[0] = b[1]
		i := 1
		if n > 1 {
			b[1] = '.'
			i = n + 1
		}
		x := dp - 1
		b[i] = 'e'
		b[i+1] = '+'
		if x < 0 {
			b[i+1] = '-'
			x = -x
		}
		if x < 100 {
			b[i+2] = byte('0' + x/10)
			b[i+3] = byte('0' + x%10)
			return dst[:l+i+4]
		}
		b[i+2] = byte('0' + x/100)
		b[i+3] = byte('0' + x/10%10)
		b[i+4] = byte('0' + x%10)
		return dst[:l+i+5]
	case dp <= 0: // 0.000ddd
		binary.LittleEndian.PutUint64(b, 0x303030303030_2e30) // "0.000000"
		putDigits(b[2-dp:], d, n)
		return dst[:l+2-dp+n]
	case dp >= n: // ddd000, a whole number
		putDigits(b, d, n)
		binary.LittleEndian.PutUint64(b[n:], 0x3030303030303030)
		return dst[:l+dp]
	default: // ddd.ddd
		putDigits(b[1:], d, n)
		copy(b[:dp], b[1:dp+1])
		b[dp] = '.'
		return dst[:l+n+1]
	}
}

// putDigits stores the n = decimalLen64(d) <= 20 digits of d in b[:n]. It
// may write up to b[n+7] with garbage.
func putDigits(b []byte, d uint64, n int) {
	// Each 8-byte store leaves garbage past its digits; storing the
	// leading chunk first lets the next one overwrite it.
	switch {
	case n <= 8:
		binary.LittleEndian.PutUint64(b, digits8(uint32(d))>>(8*(8-n)))
	case n <= 16:
		h := d / 1e8
		hi, lo := uint32(h), uint32(d-h*1e8)
		binary.LittleEndian.PutUint64(b, digits8(hi)>>(8*(16-n)))
		binary.LittleEndian.PutUint64(b[n-8:], digits8(lo))
	default:
		hm := d / 1e8
		hi, mid, lo := uint32(hm/1e8), uint32(hm%1e8), uint32(d-hm*1e8)
		binary.LittleEndian.PutUint64(b, digits8(hi)>>(8*(24-n)))
		binary.LittleEndian.PutUint64(b[n-16:], digits8(mid))
		binary.LittleEndian.PutUint64(b[n-8:], digits8(lo))
	}
}

// decimalLen64 is the number of decimal digits of v (1 for 0).
func decimalLen64(v uint64) int {
	n := bits.Len64(v) * 1233 >> 12 // floor(log10(2^len)): the digits, or one less
	if n < len(pow10) && v >= pow10[n] {
		n++
	}
	return max(n, 1)
}

type uint128 struct{ hi, lo uint64 }

// dragonbox returns the shortest d·10^e that rounds to mant·2^exp (mant <
// 2^53, the binary significand of a finite float64 other than zero), as
// strconv's dboxFtoa64 computes it: Algorithms 5.2, 5.4 and 5.6 of Junekey
// Jeon, "Dragonbox: A New Floating-Point Binary-to-Decimal Conversion
// Algorithm" (2020). It follows strconv branch for branch, so that d
// keeps whatever trailing zeros strconv's keeps.
func dragonbox(mant uint64, exp int) (d uint64, e int) {
	if mant == 1<<52 {
		// A power of two: the interval below it is half as wide
		// (Algorithm 5.6).
		k0 := -((exp*631305 - 261663) >> 21) // -floor(exp·log10 2 - log10(4/3))
		φ, β := dboxPow(k0, exp)
		xi := (φ.hi - φ.hi>>54) >> (11 - β)
		zi := (φ.hi + φ.hi>>53) >> (11 - β)
		if exp != 2 && exp != 3 {
			xi++
		}
		if q := zi / 10; xi <= q*10 {
			q, zeros := trimZeros(q)
			return q, -k0 + 1 + zeros
		}
		yru := (φ.hi>>(10-β) + 1) / 2
		if exp == -77 && yru%2 != 0 {
			yru--
		} else if yru < xi {
			yru++
		}
		return yru, -k0
	}

	// κ = 2 (Algorithm 5.2).
	k0 := -((exp * 78913) >> 18) // -floor(exp·log10 2)
	φ, β := dboxPow(2+k0, exp)
	zi, exact := dboxMul((mant*2+1)<<β, φ)
	s, r := zi/1000, uint32(zi%1000)
	δ := uint32(φ.hi >> (63 - β))

	if r < δ {
		if r != 0 || !exact || mant%2 == 0 {
			s, zeros := trimZeros(s)
			return s, -k0 + 1 + zeros
		}
		s--
		r = 1000
	} else if r == δ {
		parity, exact := dboxParity(mant*2-1, φ, β)
		if parity || (exact && mant%2 == 0) {
			s, zeros := trimZeros(s)
			return s, -k0 + 1 + zeros
		}
	}

	// Algorithm 5.4.
	D := r + 50 - δ/2
	t, ρ := D/100, D%100
	yru := 10*s + uint64(t)
	if ρ == 0 {
		parity, exact := dboxParity(mant*2, φ, β)
		if parity != ((D-50)%2 != 0) || exact && yru%2 != 0 {
			yru--
		}
	}
	return yru, -k0
}

// dboxPow returns φ̃k, 10^k rounded as Dragonbox needs it, and β, the
// shift that goes with the binary exponent e.
func dboxPow(k, e int) (φ uint128, β int) {
	return dboxPow10Tab[k-dboxPow10Min], e + (k*108853)>>15 // e + floor(k·log2 10)
}

// dboxMul returns the upper 64 bits of the 192-bit product u·φ and
// whether its lower 128 bits are zero.
func dboxMul(u uint64, φ uint128) (uint64, bool) {
	hi, mid := bits.Mul64(u, φ.hi)
	t, _ := bits.Mul64(u, φ.lo)
	mid, c := bits.Add64(mid, t, 0)
	return hi + c, mid == 0
}

// dboxParity returns the parity of the integer part of u·φ·2^β/2^128 and
// whether its fractional part is zero.
func dboxParity(u uint64, φ uint128, β int) (parity, isInt bool) {
	h, lo := bits.Mul64(u, φ.lo)
	hi := u*φ.hi + h
	parity = (hi>>(64-β))&1 != 0
	isInt = hi<<β|lo>>(64-β) == 0
	return parity, isInt
}

// trimZeros returns x without its trailing decimal zeros and how many
// there were, testing divisibility by multiplying with the inverse of 5^p
// (Hacker's Delight, 10-17).
func trimZeros(x uint64) (uint64, int) {
	const (
		div1e8m  = 0xc767074b22e90e21 // inverses of 5^8, 5^4, 5^2, 5 mod 2^64
		div1e8le = math.MaxUint64 / 100000000
		div1e4m  = 0xd288ce703afb7e91
		div1e4le = math.MaxUint64 / 10000
		div1e2m  = 0x8f5c28f5c28f5c29
		div1e2le = math.MaxUint64 / 100
		div1e1m  = 0xcccccccccccccccd
		div1e1le = math.MaxUint64 / 10
	)
	p := 0
	for d := bits.RotateLeft64(x*div1e8m, -8); d <= div1e8le; d = bits.RotateLeft64(x*div1e8m, -8) {
		x = d
		p += 8
	}
	if d := bits.RotateLeft64(x*div1e4m, -4); d <= div1e4le {
		x = d
		p += 4
	}
	if d := bits.RotateLeft64(x*div1e2m, -2); d <= div1e2le {
		x = d
		p += 2
	}
	if d := bits.RotateLeft64(x*div1e1m, -1); d <= div1e1le {
		x = d
		p++
	}
	return x, p
}
