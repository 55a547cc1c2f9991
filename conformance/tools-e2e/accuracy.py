#!/usr/bin/env python3
"""The accuracy of kmod4j explain on a real kernel: predicted vs observed, per case of the tools end-to-end check.

usage: accuracy.py RESULTS_DIR KVER CASE...

RESULTS_DIR is the kmod4j boot's records split per case (run.sh: $BUILD/results/kmod4j/CASE/...). A case of the
accuracy check has, from init.sh: `predict` (explain's --json output, taken on `kmod4j snapshot` of the guest just
before the real command), `predictrc`, `predicterr`, `before` (/proc/modules before the snapshot), `beforereal`
(/proc/modules after explain, just before the real command), `exit`, `proc` (/proc/modules after), and `strace`
(`strace -f --seccomp-bpf -e trace=delete_module` of the real command: the observed calls). lsmod cases have no
`predict` and are not part of the check.

A case agrees when the predicted exit status equals the observed one AND the predicted sequence of delete_module
calls (module, flags, result/errno) equals the observed one (strace). EWOULDBLOCK is EAGAIN (the same number; strace
names it EAGAIN). As a cross-check that needs no strace, the modules the prediction removes (calls returning 0) are
compared with those that left /proc/modules; the tool's stdout/stderr against the predicted text is shown as
information (not part of the verdict). Prints a Markdown table and a summary line; exit status 0 when no case DIFFERS.
"""
import json
import os
import re
import sys

CALL = re.compile(r'delete_module\("([^"]*)"(\.\.\.)?, ([^)]*)\)\s+=\s+(-?\d+)(?:\s+([A-Z][A-Z0-9]*))?')


def read(d, name):
    try:
        with open(os.path.join(d, name), encoding='utf-8', errors='replace') as f:
            return f.read()
    except FileNotFoundError:
        return None


def errno_name(e):
    return 'EAGAIN' if e == 'EWOULDBLOCK' else e


def flags_text(names):
    return '|'.join(sorted(names)) if names else '0'


def predicted_calls(doc):
    calls = []
    for step in doc.get('steps') or []:
        sc = step.get('syscall')
        if not sc:
            continue
        err = sc.get('errno')
        calls.append((sc.get('name'), flags_text(sc.get('flag_names') or []), '0' if not err else errno_name(err)))
    return calls


def observed_calls(text):
    calls = []
    for line in text.splitlines():
        m = CALL.search(line)
        if not m:
            continue
        name, cut, flags, ret, err = m.groups()
        if cut:
            name += '...'  # strace cut the string (its -s limit): matches a predicted name it starts
        flags = '0' if flags.strip() == '0' else '|'.join(sorted(f.strip() for f in flags.split('|')))
        calls.append((name, flags, '0' if ret == '0' else errno_name(err or ret)))
    return calls


def same_calls(predicted, observed):
    if len(predicted) != len(observed):
        return False
    for (pn, pf, pr), (on, of, orr) in zip(predicted, observed):
        name_ok = pn == on or (on.endswith('...') and pn.startswith(on[:-3]))
        if not name_ok or pf != of or pr != orr:
            return False
    return True


def split_syslog(stderr):
    """explain shows -s messages on its stderr as `syslog: MESSAGE`: (stderr without them, the messages)"""
    plain, logged = [], []
    for line in stderr.splitlines(True):
        (logged if line.startswith('syslog: ') else plain).append(line)
    return ''.join(plain), [l[len('syslog: '):].rstrip('\n') for l in logged]


def observed_syslog(text):
    """busybox syslogd's lines `Mon DD HH:MM:SS HOST FACILITY.LEVEL TOOL: MESSAGE` -> the MESSAGE parts"""
    out = []
    for line in (text or '').splitlines():
        m = re.match(r'^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} \S+ \S+ [a-z]+: (.*)$', line)
        out.append(m.group(1) if m else line)
    return out


def fmt_calls(calls):
    if not calls:
        return 'no call'
    short = {'O_NONBLOCK': 'NB', 'O_TRUNC': 'TRUNC'}
    return ', '.join('%s(%s)=%s' % (n, '|'.join(short.get(f, f) for f in fl.split('|')) if fl != '0' else '0', r)
                     for n, fl, r in calls)


def modules(text):
    return [l.split()[0] for l in (text or '').splitlines() if l.strip()]


def main():
    results, kver, cases = sys.argv[1], sys.argv[2], sys.argv[3:]
    rows = []
    counts = {'agree': 0, 'DIFFERS': 0, 'no prediction': 0}
    details = []
    for c in cases:
        d = os.path.join(results, c)
        cmd = (read(d, 'cmd') or '?').strip()
        predict = read(d, 'predict')
        if predict is None:
            continue  # lsmod, or a case the kmod4j boot skipped: not part of the check
        obs_exit = (read(d, 'exit') or '?').strip()
        try:
            doc = json.loads(predict)
        except ValueError:
            counts['no prediction'] += 1
            why = (predict.strip().splitlines() or (read(d, 'predicterr') or '').strip().splitlines() or ['?'])[0]
            rows.append((c, cmd, 'no JSON (explain exit %s: %s)' % ((read(d, 'predictrc') or '?').strip(), why),
                         'exit %s' % obs_exit, 'no prediction'))
            continue
        problems = []
        p_exit = str(doc.get('exit_status'))
        p_calls = predicted_calls(doc)
        strace = read(d, 'strace')
        o_calls = observed_calls(strace) if strace is not None else None
        if p_exit != obs_exit:
            problems.append('exit status')
        if o_calls is not None and not same_calls(p_calls, o_calls):
            problems.append('delete_module calls')
        # cross-check without strace: the modules removed
        p_removed = sorted(n for n, _, r in p_calls if r == '0')
        before, after = modules(read(d, 'beforereal') or read(d, 'before')), set(modules(read(d, 'proc')))
        o_removed = sorted(m for m in before if m not in after)
        if p_removed != o_removed:
            problems.append('modules removed (/proc/modules)')
        if modules(read(d, 'before')) != modules(read(d, 'beforereal')) or \
                re.sub(r' 0x[0-9a-f]+', '', read(d, 'before') or '') != re.sub(r' 0x[0-9a-f]+', '', read(d, 'beforereal') or ''):
            problems.append('the state moved between the snapshot and the real command')
        p_stderr, p_syslog = split_syslog(doc.get('stderr', ''))
        out_same = doc.get('stdout', '') == (read(d, 'stdout') or '') and p_stderr == (read(d, 'stderr') or '') \
            and p_syslog == observed_syslog(read(d, 'syslog'))
        verdict = 'agree' if not problems else 'DIFFERS: ' + ', '.join(problems)
        counts['agree' if not problems else 'DIFFERS'] += 1
        pred = 'exit %s; %s' % (p_exit, fmt_calls(p_calls))
        obs = 'exit %s; %s' % (obs_exit, fmt_calls(o_calls) if o_calls is not None else
                                 'removed: ' + (' '.join(o_removed) or 'none') + ' (no strace)')
        rows.append((c, cmd, pred, obs, verdict + ('' if out_same else ' (output text differs)')))
        if problems or not out_same:
            details.append('%s: $ %s\n  predicted stdout %r stderr %r\n  observed  stdout %r stderr %r' % (
                c, cmd, doc.get('stdout', ''), doc.get('stderr', ''), read(d, 'stdout') or '', read(d, 'stderr') or ''))
    print('| case | command | predicted | observed | verdict |')
    print('| --- | --- | --- | --- | --- |')
    for r in rows:
        print('| ' + ' | '.join(x.replace('|', '\\|') for x in r) + ' |')
    print()
    print('%s: %d agree, %d DIFFERS, %d without a prediction (of %d rmmod/modprobe cases)' % (
        kver, counts['agree'], counts['DIFFERS'], counts['no prediction'], len(rows)))
    if details:
        print()
        print('Output text (information, not part of the verdict):')
        print('```')
        print('\n'.join(details))
        print('```')
    # every case must be predicted and agree: a case explain gave no JSON for is a failure too
    return 1 if counts['DIFFERS'] or counts['no prediction'] else 0


if __name__ == '__main__':
    sys.exit(main())
