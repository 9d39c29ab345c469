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
 * tp_traverse(obj, visit, NULL), then write ends[i] = {buffer position,
 * return value} and move on. A traverse returning non-zero (the buffer is
 * full, or its own error) stops the batch: the host sees where.
 */
#include "emu/emu_layout.h"

        .text
        .globl  gs_emu_driver_code
        .globl  gs_emu_driver_end
        .globl  gs_emu_driver_visit_off
        .globl  gs_emu_driver_done_off
        .set    ctl, gs_emu_driver_code + EMU_CTL_OFFSET
gs_emu_driver_code:
next:
        mov     ctl+EMU_CTL_CUR(%rip), %rax
        cmp     ctl+EMU_CTL_N(%rip), %rax
        jae     done
        mov     ctl+EMU_CTL_TABLE(%rip), %rcx
        shl     $4, %rax
        add     %rax, %rcx
        mov     ctl+EMU_CTL_STACK(%rip), %rsp
        mov     (%rcx), %rdi
        lea     visit(%rip), %rsi
        xor     %edx, %edx
        xor     %eax, %eax
        call    *8(%rcx)
        mov     ctl+EMU_CTL_CUR(%rip), %rcx
        mov     ctl+EMU_CTL_ENDS(%rip), %rdx
        shl     $4, %rcx
        add     %rcx, %rdx
        mov     ctl+EMU_CTL_BUFPTR(%rip), %r8
        mov     %r8, (%rdx)
        mov     %rax, 8(%rdx)
        test    %eax, %eax
        jnz     done
        incq    ctl+EMU_CTL_CUR(%rip)
        jmp     next
done:
        hlt
visit:
        mov     ctl+EMU_CTL_BUFPTR(%rip), %rax
        cmp     ctl+EMU_CTL_BUFEND(%rip), %rax
        jae     full
        mov     %rdi, (%rax)
        add     $8, %rax
        mov     %rax, ctl+EMU_CTL_BUFPTR(%rip)
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
