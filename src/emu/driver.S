/* driver.S: the loop that runs in the emulator (never on the host).
 *
 * Its bytes are copied to the emulator's scratch area; it calls each
 * object's tp_traverse in turn with `visit` below, which returns 0, as
 * gc.get_referents' visit does. Everything it touches is addressed
 * relative to itself: the control block lies one page after the code
 * (EMU_CTL_* in emu_layout.h), so the bytes run at whatever address the
 * emulator places them.
 *
 * The driver stores nothing. Two code hooks of the host do the
 * bookkeeping (emu.c): one at `visit` appends %rdi to the host's buffer
 * and puts the return address in %rcx (read from the stack's memory on
 * the host: a `ret` would read it through the emulator, which costs more
 * than the hook's register write), one at `returned` records where the
 * object's referents end, reads %eax, and sets %rbx to the next object's
 * index (or stops the engine).
 * Every guest store costs: Unicorn 2.0.1 sends each through its
 * self-modifying-code check (notdirty_write), which allocates and frees a
 * tree on every call, or, on the MMIO stack, through two callbacks; a hook
 * at an instruction costs one call and no memory traffic. What the
 * traverse does itself (its pushes, the calls to visit) stays.
 *
 * Per object i (table[i] = {obj, tp_traverse}): reset the stack, call
 * tp_traverse(obj, visit, NULL); the hook at `returned` moves %rbx on.
 * `done` is reached when %rbx reaches N.
 */
#include "emu/emu_layout.h"

        .text
        .globl  gs_emu_driver_code
        .globl  gs_emu_driver_end
        .globl  gs_emu_driver_visit_off
        .globl  gs_emu_driver_returned_off
        .globl  gs_emu_driver_done_off
        .set    ctl, gs_emu_driver_code + EMU_CTL_OFFSET
gs_emu_driver_code:
        mov     ctl+EMU_CTL_CUR(%rip), %rbx
next:
        cmp     ctl+EMU_CTL_N(%rip), %rbx
        jae     done
        mov     %rbx, %rcx
        shl     $4, %rcx
        add     ctl+EMU_CTL_TABLE(%rip), %rcx
        mov     ctl+EMU_CTL_STACK(%rip), %rsp
        mov     (%rcx), %rdi
        lea     visit(%rip), %rsi
        xor     %edx, %edx
        xor     %eax, %eax
        call    *8(%rcx)
returned:
        jmp     next
done:
        hlt
visit:  /* the hook has put the return address (the top of the stack) in %rcx */
        lea     8(%rsp), %rsp
        xor     %eax, %eax
        jmp     *%rcx
gs_emu_driver_end:

        .section .rodata
        .balign 8
gs_emu_driver_visit_off:
        .quad   visit - gs_emu_driver_code
gs_emu_driver_returned_off:
        .quad   returned - gs_emu_driver_code
gs_emu_driver_done_off:
        .quad   done - gs_emu_driver_code

        .section .note.GNU-stack,"",@progbits
