/* driver.S: the loop that runs in the emulator (never on the host).
 *
 * Its bytes are copied to the emulator's scratch area; it calls each
 * object's tp_traverse in turn with `visit` below, which appends the
 * referent to a buffer and returns 0, as gc.get_referents' visit does.
 * Everything it touches is addressed relative to itself: the control block
 * lies one page after the code (EMU_CTL_* in emu_layout.h), so the bytes
 * run at whatever address the emulator places them.
 *
 * Per object i (table[i] = {obj, tp_traverse}): reset the stack, call
 * tp_traverse(obj, visit, NULL), then write ends[i].end = the buffer
 * position and move on. A traverse returning non-zero (the buffer is full,
 * or its own error) stops the batch: the host sees where (CUR), and why in
 * %r9 at `done`: 0 all ran, 2 object CUR returned %eax non-zero (BUFPTR
 * then holds the buffer position), 1 the traverse changed %xmm15.
 *
 * Every store costs: Unicorn 2.0.1 sends each guest store through its
 * self-modifying-code check (notdirty_write), which allocates and frees a
 * tree on every call; it was about half of the per-object time on mypy's
 * heap. So the loop keeps what it can in registers and writes only
 * ends[i], CUR and, in visit, the referent itself.
 */
#include "emu/emu_layout.h"

        .text
        .globl  gs_emu_driver_code
        .globl  gs_emu_driver_end
        .globl  gs_emu_driver_visit_off
        .globl  gs_emu_driver_done_off
        .set    ctl, gs_emu_driver_code + EMU_CTL_OFFSET
gs_emu_driver_code:
        /* The buffer position lives in %xmm15 (low half) with its complement
         * (high half) across every traverse: visit then costs one store to
         * emulated memory instead of two (Unicorn 2.0.1 takes a slow path
         * for every store). The traverse may use %xmm15 itself (the ABI
         * lets it): the complement then no longer matches, and visit and
         * the driver see it (status 1 below) instead of writing anywhere. */
        mov     ctl+EMU_CTL_BUFPTR(%rip), %rax
        mov     %rax, %rcx
        not     %rcx
        movq    %rax, %xmm15
        movq    %rcx, %xmm14
        punpcklqdq %xmm14, %xmm15
next:
        mov     ctl+EMU_CTL_CUR(%rip), %rax
        cmp     ctl+EMU_CTL_N(%rip), %rax
        jae     finished
        mov     ctl+EMU_CTL_TABLE(%rip), %rcx
        shl     $4, %rax
        add     %rax, %rcx
        mov     ctl+EMU_CTL_STACK(%rip), %rsp
        mov     (%rcx), %rdi
        lea     visit(%rip), %rsi
        xor     %edx, %edx
        xor     %eax, %eax
        call    *8(%rcx)
        movq    %xmm15, %r8
        pshufd  $0x4e, %xmm15, %xmm14
        movq    %xmm14, %rcx
        not     %rcx
        cmp     %rcx, %r8
        jne     clobbered
        test    %eax, %eax
        jnz     returned
        mov     ctl+EMU_CTL_CUR(%rip), %rcx
        mov     ctl+EMU_CTL_ENDS(%rip), %rdx
        shl     $4, %rcx
        mov     %r8, (%rdx,%rcx)
        incq    ctl+EMU_CTL_CUR(%rip)
        jmp     next
finished:
        xor     %r9d, %r9d
        jmp     done
returned:
        mov     %r8, ctl+EMU_CTL_BUFPTR(%rip) /* the host tells a full buffer from it */
        mov     $2, %r9d        /* status 2: the traverse returned %eax (non-zero) */
        jmp     done
clobbered:
        mov     $1, %r9d        /* status 1: %xmm15 was changed under us */
done:
        hlt
visit:
        movq    %xmm15, %rax
        pshufd  $0x4e, %xmm15, %xmm14
        movq    %xmm14, %rcx
        not     %rcx
        cmp     %rcx, %rax
        jne     full
        cmp     ctl+EMU_CTL_BUFEND(%rip), %rax
        jae     full
        mov     %rdi, (%rax)
        add     $8, %rax
        mov     %rax, %rcx
        not     %rcx
        movq    %rax, %xmm15
        movq    %rcx, %xmm14
        punpcklqdq %xmm14, %xmm15
        xor     %eax, %eax
        ret
full:
        mov     $1, %eax
        ret
gs_emu_driver_end:

        .section .rodata
        .balign 8
gs_emu_driver_visit_off:
        .quad   visit - gs_emu_driver_code
gs_emu_driver_done_off:
        .quad   done - gs_emu_driver_code

        .section .note.GNU-stack,"",@progbits
