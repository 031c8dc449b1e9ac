/* efi_main: bring the machine into the state the engine expects, print the
 * banner, hand over to the REPL. */
#include "main.h"

#include "console.h"
#include "cpu.h"
#include "efi.h"
#include "files.h"
#include "keys.h"
#include "memory.h"
#include "mp.h"
#include "platform.h"
#include "repl.h"
#include "rt_format.h"
#include "rt_string.h"
#include "secure_boot.h"
#include "timer.h"

#ifndef LLMBM_VERSION
#define LLMBM_VERSION "unknown"
#endif

EFI_HANDLE fw_image;
EFI_SYSTEM_TABLE *fw_st;
EFI_BOOT_SERVICES *fw_bs;

static void do_reboot(void)
{
    fw_mp_stop();
    fw_st->RuntimeServices->ResetSystem(EfiResetCold, EFI_SUCCESS, 0, NULL);
    for (;;) __asm__ volatile("hlt");
}

static void do_shutdown(void)
{
    fw_mp_stop();
    fw_exit(0);
}

/* mp= and ap_timeout_ms= from repl.cfg: the APs start before repl_run
 * reads the file (the banner counts them). */
static fw_mp_options mp_options(void)
{
    fw_mp_options o = {false, 1000}; /* repl.cfg's defaults, should peeking fail */
    char value[24];
    uint64_t ms;
    if (repl_cfg_peek("mp", value, sizeof value)) o.off = rt_streq_nocase(value, "off");
    if (repl_cfg_peek("ap_timeout_ms", value, sizeof value) && rt_parse_u64(value, &ms))
        o.ap_timeout_ms = ms > 3600000 ? 3600000 : (unsigned)ms;
    return o;
}

static void banner(void)
{
    char mem[32];
    rt_format_size(mem, sizeof mem, fw_usable_memory());
    unsigned total = fw_mp_total_cores();
    fw_printf("\nllm-baremetal %s (UEFI x86_64)\n", LLMBM_VERSION);
    fw_printf("SIMD: %s | cores: %u (%u in use) | usable memory: %s | TSC: %u MHz\n", fw_cpu_simd_name(), total,
              fw_mp_cores_in_use(), mem, (unsigned)(fw_tsc_hz() / 1000000));
    if (fw_mp_single_reason()) fw_printf("cores: running on one core: %s\n", fw_mp_single_reason());
    fw_console_banner();
    char signer[128];
    if (fw_image_signer(signer, sizeof signer))
        fw_printf("Secure Boot: %s | binary signed by: %s\n", fw_secure_boot_state(), signer);
    else
        fw_printf("Secure Boot: %s | binary unsigned\n", fw_secure_boot_state());
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
    /* First: plat_now_us, and the ready-time line, count from here. */
    fw_timer_mark_entry();
    fw_image = image;
    fw_st = st;
    fw_bs = st->BootServices;

    /* Before anything compiled for AVX runs. */
    fw_cpu_enable_simd();
    /* The firmware's 5-minute watchdog would reset the machine mid-chat. */
    fw_bs->SetWatchdogTimer(0, 0, 0, NULL);
    fw_console_init();
    fw_timer_init();
    fw_mp_options mp = mp_options();
    fw_mp_init(&mp);
    banner();

    static const repl_sys sys = {
        .read_key = fw_read_key,
        .poll_key = fw_poll_key,
        .list_dir = fw_list_dir,
        .memory = fw_memory_info,
        .reboot = do_reboot,
        .shutdown = do_shutdown,
        .use_cores = fw_mp_use_cores,
        .core_id = fw_cpu_apic_id,
        .columns = fw_console_columns,
        /* efi_main's entry to repl_run: enabling SIMD, console, timer
         * calibration (20 ms), starting the other cores, the banner. */
        .startup_us = plat_now_us,
        .before_start_us = fw_us_before_entry,
        .style = fw_console_style,
        .set_font_scale = fw_console_set_font_scale,
        .cell_width = fw_console_cell_width,
    };
    repl_run(&sys);
}
