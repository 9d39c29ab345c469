/* emu_layout.h: the control block shared by driver.S (in the emulator)
 * and emu.c (on the host). It lies EMU_CTL_OFFSET bytes after the
 * driver's code; each field is one 64-bit word. The driver only reads
 * it: the host writes it before each start and from its hooks. Plain
 * #defines: the assembler includes this file too. */
#ifndef GCSCOPE_EMU_EMU_LAYOUT_H
#define GCSCOPE_EMU_EMU_LAYOUT_H

#define EMU_CTL_OFFSET 0x1000
#define EMU_CTL_CUR 0x00   /* index of the object being traversed (the host's: the driver reads it at a start) */
#define EMU_CTL_N 0x08     /* objects in the table */
#define EMU_CTL_TABLE 0x10 /* address of {obj, tp_traverse}[n] */
#define EMU_CTL_STACK 0x18 /* stack pointer each call starts with */

#endif
