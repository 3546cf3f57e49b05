#include "textflag.h"

// func Line(addr uintptr)
TEXT ·Line(SB),NOSPLIT,$0-8
	MOVQ addr+0(FP), AX
	PREFETCHT0 (AX)
	RET

// func Lines(addr uintptr, n int)
TEXT ·Lines(SB),NOSPLIT,$0-16
	MOVQ addr+0(FP), AX
	MOVQ n+8(FP), CX
	TESTQ CX, CX
	JLE done
loop:
	PREFETCHT0 (AX)
	ADDQ $64, AX
	DECQ CX
	JNZ loop
done:
	RET
