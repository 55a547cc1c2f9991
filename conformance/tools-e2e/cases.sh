# The cases of the tools end-to-end check (sourced by the guest's /init, busybox sh; the host reads the
# `e2e_case NAME COMMAND` lines for the list and the order).
#
#   e2e_case NAME COMMAND...   the command run by the tool under test (kmod's or kmod4j's lsmod/rmmod/modprobe)
#   e2e_cwd NAME DIR           run the command in DIR (default /)
#   setup_NAME                 sets the module state up first (with kmod's insmod/modprobe, in both boots)
#   after_NAME                 runs after the capture (e.g. removes a modprobe.d file, releases kmod4j_gate)
#   e2e_limit NAME SECONDS     the tool is killed (SIGKILL) after SECONDS: the record says @KILLED SECONDS; for a
#                              kmod record the host reports the case as skipped (nothing to compare), for a kmod4j
#                              record as DIFFERS
#
# Before each case open device descriptors (3, 4) are closed, background jobs are waited for, and everything is
# unloaded (kmod's rmmod, newest first, retried for up to 20 s while a module is still in use); the `@BEFORE` state
# of both boots is compared too. kmod4j_noexit cannot be unloaded without -f: it stays from lsmod_test_modules
# until rmmod_force_permanent, which also taints the kernel (R) for all later cases, in both boots alike.
#
# Helpers: mp MOD... (kmod's modprobe, Debian modules with their dependencies), ins NAME [PARAMS]
# (kmod's insmod /modules/NAME.ko), wait_state NAME STATE (polls /sys/module/NAME/initstate).
#
# COMING and GOING: kmod4j_gate's init (hold_init=1) or exit (hold_exit=1) waits, in a background insmod or rmmod,
# until after_NAME releases it. The state holds for as long as the case needs it (in the kmod4j boot: the snapshot,
# kmod4j explain and the real command, several JVM starts under TCG), so the case is deterministic; a fixed sleep
# would race them. max_ms (300 s) ends a wait nobody releases.
release_gate() { echo 1 >/sys/module/kmod4j_gate/parameters/release; }
gate_coming() { { /kmod/bin/insmod /modules/kmod4j_gate.ko hold_init=1 & } && wait_state kmod4j_gate coming; }
gate_going() { ins kmod4j_gate hold_exit=1 && { /kmod/bin/rmmod kmod4j_gate & } && wait_state kmod4j_gate going; }

# ------------------------------------------------------------------ lsmod
e2e_case lsmod_snd_stack lsmod
setup_lsmod_snd_stack() { mp snd_pcm snd_hwdep snd_rawmidi dummy && exec 3</dev/snd/timer; }

# ------------------------------------------------------------------ rmmod
e2e_case rmmod_version rmmod -V

e2e_case rmmod_holders rmmod snd
setup_rmmod_holders() { mp snd_pcm snd_hwdep snd_rawmidi; }

e2e_case rmmod_force_holders rmmod -f snd
setup_rmmod_force_holders() { mp snd_pcm snd_hwdep; }

e2e_case rmmod_open_device rmmod snd_timer
setup_rmmod_open_device() { mp snd_timer && exec 3</dev/snd/timer; }

e2e_case rmmod_open_misc_device rmmod -v kmod4j_target
setup_rmmod_open_misc_device() { ins kmod4j_target && exec 4</dev/kmod4j_target; }

e2e_case rmmod_not_loaded rmmod snd_pcm
setup_rmmod_not_loaded() { mp snd_timer; }

e2e_case rmmod_builtin rmmod unix

e2e_case rmmod_force_builtin rmmod -f unix

e2e_case rmmod_abs_path rmmod /lib/modules/KVER/kernel/sound/core/snd-timer.ko
setup_rmmod_abs_path() { mp snd_timer; }

e2e_case rmmod_rel_path_and_dashes rmmod snd-pcm.ko snd-timer
e2e_cwd rmmod_rel_path_and_dashes /lib/modules/KVER/kernel/sound/core
setup_rmmod_rel_path_and_dashes() { mp snd_pcm; }

e2e_case rmmod_name_with_suffix rmmod snd_timer.ko.xz
setup_rmmod_name_with_suffix() { mp snd_timer; }

# 56 characters: one more than MODULE_NAME_LEN allows; its first 55 name a loaded module (the kernel says ENOENT)
e2e_case rmmod_force_long_name rmmod -f kmod4j_long_module_name_that_is_exactly_55_characters_xy
setup_rmmod_force_long_name() { ins kmod4j_long_module_name_that_is_exactly_55_characters_x; }

e2e_case rmmod_missing_file rmmod ./kmod4j-no-such-file.ko

e2e_case rmmod_dir_slash rmmod /lib/modules/KVER/kernel/sound/ snd_timer
setup_rmmod_dir_slash() { mp snd_timer; }

e2e_case rmmod_syslog_holders rmmod -s snd
setup_rmmod_syslog_holders() { mp snd_timer; }

e2e_case rmmod_syslog_busy rmmod --syslog snd_timer
setup_rmmod_syslog_busy() { mp snd_timer && exec 3</dev/snd/timer; }

e2e_case rmmod_several_one_fails rmmod soundcore snd_pcm snd_timer
setup_rmmod_several_one_fails() { mp snd_pcm; }

e2e_case rmmod_several_mixed rmmod kmod4j_user_a kmod4j_nosuch kmod4j_target kmod4j_user_b dummy
setup_rmmod_several_mixed() { ins kmod4j_target && ins kmod4j_user_a && ins kmod4j_user_b && mp dummy; }

e2e_case rmmod_coming rmmod kmod4j_gate
setup_rmmod_coming() { gate_coming; }
after_rmmod_coming() { release_gate; }

e2e_case lsmod_coming lsmod
setup_lsmod_coming() { mp soundcore && gate_coming; }
after_lsmod_coming() { release_gate; }

e2e_case rmmod_going rmmod kmod4j_gate
setup_rmmod_going() { gate_going; }
after_rmmod_going() { release_gate; }

e2e_case rmmod_force_going rmmod -f kmod4j_gate
setup_rmmod_force_going() { gate_going; }
after_rmmod_force_going() { release_gate; }

e2e_case lsmod_going lsmod
setup_lsmod_going() { mp snd_timer && gate_going; }
after_lsmod_going() { release_gate; }

e2e_case lsmod_test_modules lsmod
setup_lsmod_test_modules() {
	ins kmod4j_target && ins kmod4j_user_a && ins kmod4j_user_b && ins kmod4j_noinit &&
		ins kmod4j_long_module_name_that_is_exactly_55_characters_x && ins kmod4j_noexit
}

e2e_case rmmod_permanent rmmod kmod4j_noexit

e2e_case rmmod_force_permanent rmmod -f kmod4j_noexit

# ------------------------------------------------------------------ modprobe -r
e2e_case modprobe_r_deps modprobe -r -v snd_pcm
setup_modprobe_r_deps() { mp snd_pcm; }

e2e_case modprobe_r_remove_holders modprobe -r -v --remove-holders snd
setup_modprobe_r_remove_holders() { mp snd_pcm; }

e2e_case modprobe_r_holders_twice modprobe -r -v --remove-holders snd_timer
setup_modprobe_r_holders_twice() { mp snd_pcm; }

e2e_case modprobe_remove_holders_without_r modprobe --remove-holders -v snd_pcm
setup_modprobe_remove_holders_without_r() { mp snd_pcm; }

e2e_case modprobe_r_force_in_use modprobe -r -f snd
setup_modprobe_r_force_in_use() { mp snd_pcm; }

# kmod 30's -w can loop forever: its get_backoff_delta_msec() (shared/util.c) halves the next delay while now +
# delay passes the deadline, which never ends once now itself is past it (delay 0); under TCG on a loaded host the
# 400 ms deadline can pass between two of its retries. Fixed upstream by kmod pull request #377 (2025, "Fix modprobe
# -w quirks"); Debian 12's kmod 30 has it. kmod4j's wait always ends (docs/tools.md).
e2e_case modprobe_r_wait_timeout modprobe -r -v -w 400 snd_timer
e2e_limit modprobe_r_wait_timeout 120
setup_modprobe_r_wait_timeout() { mp snd_timer && exec 3</dev/snd/timer; }

e2e_case modprobe_r_in_use modprobe -r snd
setup_modprobe_r_in_use() { mp snd_pcm snd_hwdep; }

e2e_case modprobe_r_open_device modprobe -r -v snd_timer
setup_modprobe_r_open_device() { mp snd_timer && exec 3</dev/snd/timer; }

e2e_case modprobe_r_first_time modprobe -r --first-time snd_pcm
setup_modprobe_r_first_time() { mp snd_timer; }

e2e_case modprobe_r_dry_run modprobe -r -n -v snd_pcm
setup_modprobe_r_dry_run() { mp snd_pcm; }

e2e_case modprobe_r_not_loaded modprobe -r -v snd dummy soundcore
setup_modprobe_r_not_loaded() { mp soundcore; }

e2e_case modprobe_r_not_in_index modprobe -r kmod4j_target
setup_modprobe_r_not_in_index() { ins kmod4j_target; }

e2e_case modprobe_r_builtin modprobe -r unix

e2e_case modprobe_r_alias modprobe -r -v char-major-116-33
setup_modprobe_r_alias() { mp snd_timer; }

e2e_case modprobe_r_symbol modprobe -r -v symbol:snd_timer_start
setup_modprobe_r_symbol() { mp snd_timer; }

e2e_case modprobe_r_all modprobe -r -a -v snd_pcm kmod4j_nosuch dummy
setup_modprobe_r_all() { mp snd_pcm dummy; }

e2e_case modprobe_r_quiet modprobe -r -q kmod4j_nosuch snd
setup_modprobe_r_quiet() { mp snd_timer; }

e2e_case modprobe_r_show_depends modprobe -r -D snd_pcm

# modprobe.d: written after loading (kmod's modprobe would follow the softdep on load), removed afterwards
e2e_case modprobe_r_softdep modprobe -r -v snd_hwdep
setup_modprobe_r_softdep() {
	mp snd_hwdep snd_seq_device dummy && mkdir -p /etc/modprobe.d &&
		echo 'softdep snd_hwdep pre: dummy post: snd_seq_device' >/etc/modprobe.d/e2e.conf
}
after_modprobe_r_softdep() { rm -f /etc/modprobe.d/e2e.conf; }

e2e_case modprobe_r_remove_command modprobe -r -v dummy
setup_modprobe_r_remove_command() {
	mp dummy && mkdir -p /etc/modprobe.d &&
		echo 'remove dummy echo removing $MODPROBE_MODULE' >/etc/modprobe.d/e2e.conf
}
after_modprobe_r_remove_command() { rm -f /etc/modprobe.d/e2e.conf; }
