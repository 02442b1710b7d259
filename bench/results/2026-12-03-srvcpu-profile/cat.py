import sys, re, collections
CATS = [
 ('kernel: sched/idle/irq', r'^\[k\].*(sched|switch|schedule|idle|irq|raw_spin_unlock_irqrestore|futex|hrtimer|tick|rcu|update_curr|enqueue|dequeue|pick_next|ttwu|try_to_wake)'),
 ('kernel: socket send (tcp/unix, copy)', r'^\[k\].*(tcp|skb|_copy_from_iter|copy_user|unix|sock|ip_|__ip|net_rx|netif|dev_|loopback|napi|softirq|inet|__sys_sendto|sendmsg|ep_|rep_movs|fdget|__fsnotify|security|apparmor|memcg|kmem|kmalloc|slab|page|alloc|free|mod_|refill|__check_object_size|check_heap|lock_sock|release_sock|_raw_spin|syscall|entry_|do_syscall|x64_sys|__x64|ktime|clock)'),
 ('kernel: other', r'^\[k\]'),
 ('memmove/memcpy (libc)', r'^\[\.\] __mem(move|cpy|set)'),
 ('malloc/free (libc)', r'^\[\.\] (_int_malloc|_int_free|malloc|free|cfree|unlink_chunk|malloc_consolidate|__libc_malloc|__libc_free|_int_realloc|realloc|tcache)'),
 ('libc/pthread other', r'^libc'),
 ('WHERE condition per row', r'(Item_cond_and::val|Item_cond_or::val|Item_func_(ge|gt|lt|le|eq|ne)::val|Arg_comparator|Item_int::val|Item_field::val_int|Item_func_between|Item_bool_func2|compare_int|Item_cache|Item_func_truth)'),
 ('protocol/text formatting', r'(Protocol|net_store|int10_to_str|longlong10_to_str|decimal2string|bin2decimal|my_datetime_to_str|my_date_to_str|my_time_to_str|Field\w*::send|Field\w*::val_str|Item_field::send|select_send|decimal_bin_size|my_decimal|TIME_from|my_lengthsp|to_lex_cstring|Field\w*::val_|str2my_decimal|decimal_|Type_handler\w*::|String::|Item::send|send_data|my_charpos|my_well_formed|Field_timestamp|Field_datetime|Field_new_decimal|Field_enum|Field_blob|Field_string|Field_varstring|Field_long|Field_num|Field::|get_date|Timestamp|Datetime|Time::|my_timestamp|sec_since_epoch|Time_zone|gmt_sec)'),
 ('net write (net_write_buff/vio)', r'(net_write|net_real_write|vio_|my_net_write|net_flush|my_real_write)'),
 ('executor/range scan', r'(QUICK_|Mrr_|handler::|ha_innobase|key_cmp|rr_|sub_select|evaluate_join|read_range|join_read|JOIN|DsMrr|multi_range|ha_index|ha_rnd|Table_scan|READ_RECORD|key_restore|key_copy|Item_field::|end_send|store_record|restore_record|ha_start|key_)'),
 ('parse/optimize/other sql', r'(Item|SEL_|get_mm|sql_|mysql_|THD|LEX|MYSQLparse|Lex_|st_select_lex|open_table|lock_table|my_hash|my_|lf_|find_|thd_|Sql_|Query_|TABLE|Field)'),
]
def cat(dso, sym, addr):
    s = sym
    if dso == 'mariadbd' and re.match(r'^\[\.\] 0x0', s):
        a = int(s.split()[1], 16)
        return 'InnoDB (unexported)' if 0xd00000 <= a < 0xe9d000 else 'mariadbd unexported other'
    key = ('libc ' if dso.startswith('libc') else '') + s
    for name, rx in CATS:
        if name.startswith('libc/pthread') and dso.startswith(('libc', 'libpthread')): return name
        if re.search(rx, s): return name
    if dso.startswith('libc'): return 'libc/pthread other'
    if dso == '[kernel.kallsyms]': return 'kernel: other'
    return 'other: ' + (dso if dso != 'mariadbd' else 'mariadbd exported')
def load(f):
    c = collections.Counter(); syms = collections.defaultdict(collections.Counter)
    for l in open(f):
        m = re.match(r'\s*([\d.]+)%\s+(\d+)\s+(\S+)\s+(\[.\] .*|\[k\] .*)$', l.rstrip())
        if not m: continue
        n = int(m.group(2)); dso = m.group(3); sym = m.group(4).strip()
        k = cat(dso, sym, None); c[k] += n; syms[k][sym] += n
    return c, syms
files = sys.argv[1:]
data = [load(f) for f in files]
keys = sorted(set().union(*[d[0].keys() for d in data]), key=lambda k: -data[0][0][k])
tot = [sum(d[0].values()) for d in data]
print('%-40s' % 'category' + ''.join('%22s' % f.replace('flat-','').replace('.txt','') for f in files))
for k in keys:
    print('%-40s' % k + ''.join('%10d (%5.1f%%)    ' % (d[0][k], 100*d[0][k]/t) for d, t in zip(data, tot)))
print('%-40s' % 'total samples' + ''.join('%10d            ' % t for t in tot))
if '-v' in sys.argv[0:1]: pass
