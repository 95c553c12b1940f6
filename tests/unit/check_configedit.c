/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <netinet/in.h>

#include "lib/basic/cleanup.h"
#include "lib/config/configedit.h"
#include "testutil.h"

#define ETH1 "name=eth1,bridge=vmbr1"

static void add_ok(const char *text, unsigned index, const char *value, const char *expected,
		   unsigned expected_index, unsigned expected_line)
{
	struct configedit_result res = {};
	struct lxcri_error err = {};
	int r;

	r = configedit_net_add("t.conf", text, strlen(text), index, value, &res, &err);
	ck_assert_msg(r == 0, "unexpected error %d: %s", r, err.message);
	ck_assert_uint_eq(res.size, strlen(expected));
	ck_assert_str_eq(res.text, expected);
	ck_assert_uint_eq(res.index, expected_index);
	ck_assert_uint_eq(res.line, expected_line);
	ck_assert_ptr_nonnull(res.config);
	ck_assert_ptr_nonnull(configedit_find_net_index(res.config, expected_index));
	ck_assert_uint_eq(configedit_find_net_index(res.config, expected_index)->line,
			  expected_line);
	configedit_result_done(&res);
	ck_assert_ptr_null(res.text);
	ck_assert_ptr_null(res.config);
}

/* Fails with r and a message that contains needle; *ret stays as it was. */
static void add_fails(const char *text, unsigned index, const char *value, int expected_r,
		      const char *needle)
{
	struct configedit_result res = { .index = 77 };
	struct lxcri_error err = {};
	int r;

	r = configedit_net_add("t.conf", text, strlen(text), index, value, &res, &err);
	ck_assert_msg(r == expected_r, "'%s': expected %d, got %d (%s)", value, expected_r, r,
		      err.message);
	ck_assert_int_eq(err.code, r);
	ck_assert_msg(strstr(err.message, needle), "'%s' not in '%s'", needle, err.message);
	ck_assert_ptr_null(res.text);
	ck_assert_ptr_null(res.config);
	ck_assert_uint_eq(res.index, 77);
}

static void del_ok(const char *text, const char *ifname, const char *expected,
		   unsigned expected_index, unsigned expected_line)
{
	struct configedit_result res = {};
	struct lxcri_error err = {};
	int r;

	r = configedit_net_del("t.conf", text, strlen(text), ifname, &res, &err);
	ck_assert_msg(r == 0, "unexpected error %d: %s", r, err.message);
	ck_assert_uint_eq(res.size, strlen(expected));
	ck_assert_str_eq(res.text, expected);
	ck_assert_uint_eq(res.index, expected_index);
	ck_assert_uint_eq(res.line, expected_line);
	ck_assert_ptr_null(configedit_find_net(res.config, ifname));
	configedit_result_done(&res);
}

static void del_fails(const char *text, const char *ifname, int expected_r, const char *needle)
{
	struct configedit_result res = {};
	struct lxcri_error err = {};
	int r;

	r = configedit_net_del("t.conf", text, strlen(text), ifname, &res, &err);
	ck_assert_msg(r == expected_r, "'%s': expected %d, got %d (%s)", ifname, expected_r, r,
		      err.message);
	ck_assert_int_eq(err.code, r);
	ck_assert_msg(strstr(err.message, needle), "'%s' not in '%s'", needle, err.message);
	ck_assert_ptr_null(res.text);
	ck_assert_ptr_null(res.config);
}

START_TEST(test_add_to_empty)
{
	add_ok("", CONFIGEDIT_NET_LOWEST, ETH1, "net0: " ETH1 "\n", 0, 1);
}
END_TEST

START_TEST(test_add_keeps_everything_byte_for_byte)
{
	static const char text[] = "# web server, VLAN 10\n"
				   "\n"
				   "net0: name=eth0,bridge=vmbr0,ip=10.0.0.5/24   \n"
				   "   # indented comment\t\n"
				   "\t\n"
				   "dns: nameserver=10.0.0.1\n"
				   "# last words\n";

	add_ok(text, CONFIGEDIT_NET_LOWEST, ETH1,
	       "# web server, VLAN 10\n"
	       "\n"
	       "net0: name=eth0,bridge=vmbr0,ip=10.0.0.5/24   \n"
	       "   # indented comment\t\n"
	       "\t\n"
	       "dns: nameserver=10.0.0.1\n"
	       "# last words\n"
	       "net1: " ETH1 "\n",
	       1, 8);
}
END_TEST

START_TEST(test_add_lowest_free_index)
{
	add_ok("net0: name=eth0,bridge=vmbr0\nnet2: name=eth2,bridge=vmbr0\n",
	       CONFIGEDIT_NET_LOWEST, ETH1,
	       "net0: name=eth0,bridge=vmbr0\nnet2: name=eth2,bridge=vmbr0\nnet1: " ETH1 "\n", 1,
	       3);
	add_ok("net1: name=eth2,bridge=vmbr0\n", CONFIGEDIT_NET_LOWEST, ETH1,
	       "net1: name=eth2,bridge=vmbr0\nnet0: " ETH1 "\n", 0, 2);
}
END_TEST

START_TEST(test_add_explicit_index)
{
	add_ok("net0: name=eth0,bridge=vmbr0\n", 5, ETH1,
	       "net0: name=eth0,bridge=vmbr0\nnet5: " ETH1 "\n", 5, 2);
	add_ok("", 31, ETH1, "net31: " ETH1 "\n", 31, 1);
	add_fails("# x\nnet3: name=eth0,bridge=vmbr0\n", 3, ETH1, -EEXIST,
		  "t.conf:2: 'net3' is already set");
	add_fails("", 32, ETH1, -EINVAL, "Invalid key 'net32': expected 'net0' to 'net31'");
}
END_TEST

START_TEST(test_add_last_line_without_newline)
{
	add_ok("# c\nnet0: name=eth0,bridge=vmbr0", CONFIGEDIT_NET_LOWEST, ETH1,
	       "# c\nnet0: name=eth0,bridge=vmbr0\nnet1: " ETH1 "\n", 1, 3);
	add_ok("# only a comment", CONFIGEDIT_NET_LOWEST, ETH1,
	       "# only a comment\nnet0: " ETH1 "\n", 0, 2);
}
END_TEST

START_TEST(test_add_crlf)
{
	add_ok("# edited on Windows\r\nnet0: name=eth0,bridge=vmbr0\r\n", CONFIGEDIT_NET_LOWEST,
	       ETH1, "# edited on Windows\r\nnet0: name=eth0,bridge=vmbr0\r\nnet1: " ETH1 "\r\n", 1,
	       3);
	/* The last line without its line end, CRLF elsewhere. */
	add_ok("# a\r\n# b", CONFIGEDIT_NET_LOWEST, ETH1, "# a\r\n# b\r\nnet0: " ETH1 "\r\n", 0, 3);
	/* Half a CRLF at the end: the other half completes it. */
	add_ok("# a\r", CONFIGEDIT_NET_LOWEST, ETH1, "# a\r\nnet0: " ETH1 "\r\n", 0, 2);
	/* The last line end decides: mixed files keep their last style. */
	add_ok("# a\r\n# b\n", CONFIGEDIT_NET_LOWEST, ETH1, "# a\r\n# b\nnet0: " ETH1 "\n", 0, 3);
}
END_TEST

START_TEST(test_add_cni_and_full_property_set)
{
	add_ok("", CONFIGEDIT_NET_LOWEST, "name=eth2,cni=mynet", "net0: name=eth2,cni=mynet\n", 0,
	       1);
	add_ok("", CONFIGEDIT_NET_LOWEST,
	       "name=eth1,bridge=vmbr1,ip=10.0.0.5/24;fd00::5/64,gw=10.0.0.1,gw6=fd00::1,mtu=1450,"
	       "hwaddr=BC:24:11:00:00:01,tag=10",
	       "net0: name=eth1,bridge=vmbr1,ip=10.0.0.5/24;fd00::5/64,gw=10.0.0.1,gw6=fd00::1,"
	       "mtu=1450,hwaddr=BC:24:11:00:00:01,tag=10\n",
	       0, 1);
}
END_TEST

START_TEST(test_add_bad_values_give_the_parser_message)
{
	const char *text = "# c\nnet0: name=eth0,bridge=vmbr0\n";

	add_fails(text, CONFIGEDIT_NET_LOWEST, "name=eth1,bridge=vmbr1,mtu=90000", -EINVAL,
		  "t.conf:3: Invalid value '90000' for 'mtu' in 'net1': expected a number from "
		  "68 to 65535");
	add_fails(text, CONFIGEDIT_NET_LOWEST, "name=eth1", -EINVAL,
		  "t.conf:3: Missing property 'bridge' or 'cni' in 'net1'");
	add_fails(text, CONFIGEDIT_NET_LOWEST, "name=eth1,bridge=vmbr1,color=red", -EINVAL,
		  "t.conf:3: Unknown property 'color' in 'net1'");
	add_fails(text, CONFIGEDIT_NET_LOWEST, "name=eth1,cni=x,ip=10.0.0.1/24", -EINVAL,
		  "Property 'ip' is not allowed with 'cni' in 'net1'");
	add_fails(text, CONFIGEDIT_NET_LOWEST, "name=eth1,bridge=vmbr1,ip=10.0.0.300/24", -EINVAL,
		  "t.conf:3: Invalid value '10.0.0.300/24' for 'ip' in 'net1'");
	add_fails(text, CONFIGEDIT_NET_LOWEST, "", -EINVAL, "t.conf:3: Empty value for 'net1'");
	add_fails(text, CONFIGEDIT_NET_LOWEST, "   ", -EINVAL, "t.conf:3: Empty value for 'net1'");
	add_fails(text, CONFIGEDIT_NET_LOWEST, "net2: name=eth1,bridge=vmbr1", -EINVAL,
		  "t.conf:3:");
	/* The new line's number holds after a last line without a line end. */
	add_fails("# c", CONFIGEDIT_NET_LOWEST, "name=lo,bridge=vmbr1", -EINVAL,
		  "t.conf:2: Invalid value 'lo' for 'name' in 'net0'");
}
END_TEST

START_TEST(test_add_duplicate_name_or_mac)
{
	const char *text = "net0: name=eth1,bridge=vmbr0,hwaddr=BC:24:11:00:00:01\n# x\n";

	add_fails(text, CONFIGEDIT_NET_LOWEST, "name=eth1,bridge=vmbr1", -EINVAL,
		  "t.conf:3: Interface name 'eth1' of 'net1' is already used by 'net0' on line 1");
	add_fails(text, CONFIGEDIT_NET_LOWEST, "name=eth2,bridge=vmbr1,hwaddr=bc:24:11:00:00:01",
		  -EINVAL, "MAC address 'bc:24:11:00:00:01' of 'net1' is already used by 'net0'");
}
END_TEST

START_TEST(test_add_control_characters_refused)
{
	/* A line end in the value would smuggle in a key of its own. */
	add_fails("", CONFIGEDIT_NET_LOWEST, "name=eth1,bridge=vmbr1\nseccomp: /tmp/x.json",
		  -EINVAL,
		  "t.conf:1: Invalid value 'name=eth1,bridge=vmbr1\\x0aseccomp: /tmp/x.json' for "
		  "'net0': a net is one line, without control characters");
	add_fails("# a\n", CONFIGEDIT_NET_LOWEST, "name=eth1,bridge=vmbr1\r", -EINVAL,
		  "t.conf:2: Invalid value");
	add_fails("", CONFIGEDIT_NET_LOWEST, "name=eth1,\tbridge=vmbr1", -EINVAL,
		  "without control characters");
	add_fails("", CONFIGEDIT_NET_LOWEST, "name=eth1,bridge=vmbr1\x7f", -EINVAL,
		  "without control characters");
}
END_TEST

START_TEST(test_add_full_table)
{
	char text[4096] = "# all of them\n";

	for (int i = 0; i < CONFIG_MAX_NET; i++) {
		char line[64];
		snprintf(line, sizeof(line), "net%d: name=eth%d,bridge=vmbr0\n", i, i);
		strcat(text, line);
	}
	add_fails(text, CONFIGEDIT_NET_LOWEST, "name=eth99,bridge=vmbr1", -ENOSPC,
		  "t.conf: All 32 nets are in use (net0 to net31)");
	/* One gone: its index is the one used again. */
	{
		struct configedit_result res = {}, res2 = {};
		struct lxcri_error err = {};

		ck_assert_int_eq(
		    configedit_net_del("t.conf", text, strlen(text), "eth17", &res, &err), 0);
		ck_assert_int_eq(configedit_net_add("t.conf", res.text, res.size,
						    CONFIGEDIT_NET_LOWEST,
						    "name=eth99,bridge=vmbr1", &res2, &err),
				 0);
		ck_assert_uint_eq(res2.index, 17);
		ck_assert_uint_eq(res2.config->net.n_nets, 32);
		configedit_result_done(&res);
		configedit_result_done(&res2);
	}
}
END_TEST

START_TEST(test_add_to_invalid_config_names_its_line)
{
	add_fails("# ok\nmtu 9000\n", CONFIGEDIT_NET_LOWEST, ETH1, -EINVAL,
		  "t.conf:2: Missing ':' directly after key 'mtu'");
	add_fails("net0: name=eth0,bridge=vmbr0\nnet0: name=eth2,bridge=vmbr0\n",
		  CONFIGEDIT_NET_LOWEST, ETH1, -EINVAL,
		  "t.conf:2: Duplicate key: 'net0' is already set on line 1");
}
END_TEST

START_TEST(test_add_binary_text_refused)
{
	static const char text[] = "# a\nnet0: name=eth0\0,bridge=vmbr0\n";
	struct configedit_result res = {};
	struct lxcri_error err = {};

	ck_assert_int_eq(configedit_net_add("t.conf", text, sizeof(text) - 1, CONFIGEDIT_NET_LOWEST,
					    ETH1, &res, &err),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "t.conf:2: Invalid NUL byte"));
	ck_assert_ptr_null(res.text);
}
END_TEST

START_TEST(test_add_uses_only_size_bytes)
{
	/* Not NUL-terminated where size ends: what follows is not part of the text. */
	static const char buf[] = "# a\nGARBAGE";
	struct configedit_result res = {};
	struct lxcri_error err = {};

	ck_assert_int_eq(
	    configedit_net_add("t.conf", buf, 4, CONFIGEDIT_NET_LOWEST, ETH1, &res, &err), 0);
	ck_assert_str_eq(res.text, "# a\nnet0: " ETH1 "\n");
	configedit_result_done(&res);
}
END_TEST

START_TEST(test_add_too_large)
{
	_cleanup_free_ char *text = malloc(CONFIG_MAX_SIZE + 1);
	_cleanup_free_ char *value = NULL;
	struct configedit_result res = {};
	struct lxcri_error err = {};
	size_t size = CONFIG_MAX_SIZE - 10;

	ck_assert_ptr_nonnull(text);
	memset(text, '#', size);
	text[size - 1] = '\n';
	ck_assert_int_eq(
	    configedit_net_add("t.conf", text, size, CONFIGEDIT_NET_LOWEST, ETH1, &res, &err),
	    -EFBIG);
	ck_assert_ptr_nonnull(strstr(err.message, "t.conf: File is larger than 1 MiB"));
	ck_assert_ptr_null(res.text);

	value = malloc(CONFIG_MAX_SIZE + 2);
	ck_assert_ptr_nonnull(value);
	memset(value, 'a', CONFIG_MAX_SIZE + 1);
	value[CONFIG_MAX_SIZE + 1] = '\0';
	ck_assert_int_eq(
	    configedit_net_add("t.conf", "", 0, CONFIGEDIT_NET_LOWEST, value, &res, &err), -EFBIG);
}
END_TEST

START_TEST(test_add_null_name_and_value)
{
	struct configedit_result res = {};
	struct lxcri_error err = {};

	ck_assert_int_eq(configedit_net_add(NULL, "", 0, CONFIGEDIT_NET_LOWEST, NULL, &res, &err),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "(config):1: Empty value for 'net0'"));
}
END_TEST

START_TEST(test_del_keeps_everything_else)
{
	static const char text[] = "# nets\n"
				   "net0: name=eth0,bridge=vmbr0\n"
				   "# the uplink\n"
				   "  net1: name=eth1,bridge=vmbr1  \n"
				   "\n"
				   "net2: name=eth2,cni=mynet\n"
				   "dns: nameserver=10.0.0.1\n";

	del_ok(text, "eth1",
	       "# nets\n"
	       "net0: name=eth0,bridge=vmbr0\n"
	       "# the uplink\n"
	       "\n"
	       "net2: name=eth2,cni=mynet\n"
	       "dns: nameserver=10.0.0.1\n",
	       1, 4);
	del_ok(text, "eth0",
	       "# nets\n"
	       "# the uplink\n"
	       "  net1: name=eth1,bridge=vmbr1  \n"
	       "\n"
	       "net2: name=eth2,cni=mynet\n"
	       "dns: nameserver=10.0.0.1\n",
	       0, 2);
	del_ok(text, "eth2",
	       "# nets\n"
	       "net0: name=eth0,bridge=vmbr0\n"
	       "# the uplink\n"
	       "  net1: name=eth1,bridge=vmbr1  \n"
	       "\n"
	       "dns: nameserver=10.0.0.1\n",
	       2, 6);
}
END_TEST

START_TEST(test_del_last_line_without_newline)
{
	del_ok("# a\nnet0: name=eth0,bridge=vmbr0", "eth0", "# a\n", 0, 2);
	del_ok("net0: name=eth0,bridge=vmbr0\nnet1: name=eth1,bridge=vmbr0", "eth1",
	       "net0: name=eth0,bridge=vmbr0\n", 1, 2);
}
END_TEST

START_TEST(test_del_only_line)
{
	del_ok("net7: name=eth0,bridge=vmbr0\n", "eth0", "", 7, 1);
}
END_TEST

START_TEST(test_del_crlf)
{
	del_ok("# a\r\nnet0: name=eth0,bridge=vmbr0\r\n# b\r\n", "eth0", "# a\r\n# b\r\n", 0, 2);
}
END_TEST

START_TEST(test_del_unknown_name)
{
	del_fails("# nothing\n", "eth1", -ENOENT,
		  "t.conf: No net is named 'eth1': there is no net");
	del_fails("net0: name=eth0,bridge=vmbr0\nnet3: name=eth3,cni=x\n", "eth1", -ENOENT,
		  "t.conf: No net is named 'eth1'; the nets are 'eth0' (net0), 'eth3' (net3)");
	del_fails("net0: name=eth0,bridge=vmbr0\n", "bad\nname", -ENOENT,
		  "No net is named 'bad\\x0aname'");
}
END_TEST

START_TEST(test_del_in_use_by_route_or_port)
{
	static const char text[] = "net1: name=eth1,bridge=vmbr1,ip=10.0.0.5/24\n"
				   "net2: name=eth2,bridge=vmbr1,ip=10.1.0.5/24\n"
				   "route0: dst=10.10.0.0/16,via=10.0.0.254,dev=eth1\n"
				   "port4: proto=tcp,host=8080,ct=80,net=eth2\n";

	del_fails(text, "eth1", -EBUSY,
		  "t.conf:3: 'route0' uses interface 'eth1' (dev=eth1) of 'net1': change or "
		  "remove it first");
	del_fails(text, "eth2", -EBUSY,
		  "t.conf:4: 'port4' uses interface 'eth2' (net=eth2) of 'net2': change or "
		  "remove it first");
}
END_TEST

START_TEST(test_del_invalid_config)
{
	del_fails("net0: name=eth0,bridge=vmbr0\nbogus: 1\n", "eth0", -EINVAL,
		  "t.conf:2: Unknown key 'bogus'");
}
END_TEST

START_TEST(test_add_then_del_gives_the_text_back)
{
	static const char *const texts[] = {
		"",
		"# c\n",
		"# c\r\nnet0: name=eth0,bridge=vmbr0\r\n",
		"net5: name=eth0,cni=a\n\n\n# end\n",
	};

	for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
		struct configedit_result added = {}, removed = {};
		struct lxcri_error err = {};

		ck_assert_int_eq(configedit_net_add("t.conf", texts[i], strlen(texts[i]),
						    CONFIGEDIT_NET_LOWEST, "name=eth9,bridge=vmbr9",
						    &added, &err),
				 0);
		ck_assert_int_eq(
		    configedit_net_del("t.conf", added.text, added.size, "eth9", &removed, &err),
		    0);
		ck_assert_str_eq(removed.text, texts[i]);
		ck_assert_uint_eq(removed.index, added.index);
		ck_assert_uint_eq(removed.line, added.line);
		configedit_result_done(&added);
		configedit_result_done(&removed);
	}
}
END_TEST

START_TEST(test_find_net)
{
	struct configedit_result res = {};
	struct lxcri_error err = {};

	ck_assert_int_eq(configedit_net_add("t.conf", "net3: name=eth3,cni=a\n", 22,
					    CONFIGEDIT_NET_LOWEST, ETH1, &res, &err),
			 0);
	ck_assert_str_eq(configedit_find_net(res.config, "eth3")->name, "eth3");
	ck_assert_uint_eq(configedit_find_net(res.config, "eth1")->index, 0);
	ck_assert_str_eq(configedit_find_net(res.config, "eth1")->bridge, "vmbr1");
	ck_assert_ptr_null(configedit_find_net(res.config, "eth2"));
	ck_assert_ptr_null(configedit_find_net(res.config, NULL));
	ck_assert_ptr_null(configedit_find_net(NULL, "eth1"));
	ck_assert_ptr_null(configedit_find_net_index(res.config, 1));
	ck_assert_uint_eq(configedit_find_net_index(res.config, 3)->line, 1);
	configedit_result_done(&res);
	configedit_result_done(&res); /* twice is fine */
	configedit_result_done(NULL);
}
END_TEST

/* Ports: the same edits; conflicts are the parser's, naming both lines. */
START_TEST(test_port_add_and_del)
{
	const char *text =
	    "# web\nport0: proto=tcp,host=8080,ct=80\nport2: proto=udp,host=5000-5009,ct=53\n";
	struct configedit_result res = {}, del = {};
	struct lxcri_error err = {};

	ck_assert_int_eq(configedit_port_add("t.conf", text, strlen(text), CONFIGEDIT_LOWEST,
					     "proto=tcp,host=8443,ct=443", &res, &err),
			 0);
	ck_assert_uint_eq(res.index, 1);
	ck_assert_uint_eq(res.line, 4);
	ck_assert_str_eq(res.text + strlen(text), "port1: proto=tcp,host=8443,ct=443\n");
	ck_assert_uint_eq(configedit_find_port(res.config, IPPROTO_TCP, 8443)->index, 1);
	ck_assert_uint_eq(configedit_find_port(res.config, IPPROTO_UDP, 5005)->index, 2);
	ck_assert_ptr_null(configedit_find_port(res.config, IPPROTO_UDP, 8443));

	/* By any host port of its range; the other lines byte for byte. */
	ck_assert_int_eq(
	    configedit_port_del("t.conf", res.text, res.size, IPPROTO_UDP, 5009, &del, &err), 0);
	ck_assert_uint_eq(del.index, 2);
	ck_assert_uint_eq(del.line, 3);
	ck_assert_str_eq(
	    del.text,
	    "# web\nport0: proto=tcp,host=8080,ct=80\nport1: proto=tcp,host=8443,ct=443\n");
	configedit_result_done(&del);

	ck_assert_int_eq(
	    configedit_port_del("t.conf", res.text, res.size, IPPROTO_TCP, 9999, &del, &err),
	    -ENOENT);
	ck_assert_str_eq(err.message, "t.conf: No port forwards host port 'tcp 9999'");
	ck_assert_ptr_null(del.text);
	configedit_result_done(&res);

	/* An overlapping host port of the same proto: the parser names both keys. */
	ck_assert_int_eq(configedit_port_add("t.conf", text, strlen(text), CONFIGEDIT_LOWEST,
					     "proto=udp,host=5009,ct=53", &res, &err),
			 -EINVAL);
	ck_assert_msg(strstr(err.message, "t.conf:4:") && strstr(err.message, "port2"), "%s",
		      err.message);
	ck_assert_int_eq(configedit_port_add("t.conf", text, strlen(text), 0,
					     "proto=tcp,host=1,ct=1", &res, &err),
			 -EEXIST);
	ck_assert_str_eq(err.message, "t.conf:2: 'port0' is already set");
	ck_assert_int_eq(configedit_port_add("t.conf", text, strlen(text), 1024,
					     "proto=tcp,host=1,ct=1", &res, &err),
			 -EINVAL);
	ck_assert_str_eq(err.message,
			 "t.conf: Invalid key 'port1024': expected 'port0' to 'port1023'");
	ck_assert_int_eq(configedit_port_add("t.conf", text, strlen(text), CONFIGEDIT_LOWEST,
					     "proto=tcp,host=0,ct=1", &res, &err),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "t.conf:4:"));
	ck_assert_ptr_null(res.text);
}
END_TEST

/* configedit_set(): one key ("seccomp", "apparmor", "selinux"...), replaced in place or appended.
 */

static void set_ok(const char *text, const char *key, const char *value, const char *expected,
		   unsigned expected_line)
{
	struct configedit_result res = {};
	struct lxcri_error err = {};
	int r;

	r = configedit_set("t.conf", text, strlen(text), key, value, &res, &err);
	ck_assert_msg(r == 0, "unexpected error %d: %s", r, err.message);
	ck_assert_uint_eq(res.size, strlen(expected));
	ck_assert_str_eq(res.text, expected);
	ck_assert_uint_eq(res.line, expected_line);
	ck_assert_ptr_nonnull(res.config);
	configedit_result_done(&res);
}

static void set_fails(const char *text, const char *key, const char *value, int expected_r,
		      const char *needle)
{
	struct configedit_result res = { .index = 77 };
	struct lxcri_error err = {};
	int r;

	r = configedit_set("t.conf", text, strlen(text), key, value, &res, &err);
	ck_assert_msg(r == expected_r, "'%s': expected %d, got %d (%s)", value ? value : "(null)",
		      expected_r, r, err.message);
	ck_assert_int_eq(err.code, r);
	ck_assert_msg(strstr(err.message, needle), "'%s' not in '%s'", needle, err.message);
	ck_assert_ptr_null(res.text);
	ck_assert_ptr_null(res.config);
	ck_assert_uint_eq(res.index, 77);
}

START_TEST(test_set_replaces_in_place)
{
	static const char text[] = "# profiles\n"
				   "net0: name=eth0,bridge=vmbr0\n"
				   "  seccomp:   /etc/old.json  \n"
				   "\n"
				   "   # indented\t\n"
				   "selinux: system_u:system_r:container_t:s0\n";
	struct configedit_result res = {};
	struct lxcri_error err = {};

	set_ok(text, "seccomp", "/etc/new.json",
	       "# profiles\n"
	       "net0: name=eth0,bridge=vmbr0\n"
	       "seccomp: /etc/new.json\n"
	       "\n"
	       "   # indented\t\n"
	       "selinux: system_u:system_r:container_t:s0\n",
	       3);
	set_ok(text, "selinux", "system_u:system_r:container_t:s0:c1,c2",
	       "# profiles\n"
	       "net0: name=eth0,bridge=vmbr0\n"
	       "  seccomp:   /etc/old.json  \n"
	       "\n"
	       "   # indented\t\n"
	       "selinux: system_u:system_r:container_t:s0:c1,c2\n",
	       6);

	/* The parsed result has the new value. */
	ck_assert_int_eq(
	    configedit_set("t.conf", text, strlen(text), "seccomp", "/etc/new.json", &res, &err),
	    0);
	ck_assert_str_eq(res.config->lsm.seccomp, "/etc/new.json");
	ck_assert_uint_eq(res.config->lsm.seccomp_line, 3);
	ck_assert_uint_eq(res.config->net.n_nets, 1);
	configedit_result_done(&res);
}
END_TEST

START_TEST(test_set_keeps_the_line_end)
{
	set_ok("# a\r\nseccomp: /old.json\r\n# b\r\n", "seccomp", "/new.json",
	       "# a\r\nseccomp: /new.json\r\n# b\r\n", 2);
	/* Each line its own: a "\n" line in a CRLF file stays "\n". */
	set_ok("# a\r\nseccomp: /old.json\n# b\r\n", "seccomp", "/new.json",
	       "# a\r\nseccomp: /new.json\n# b\r\n", 2);
	/* A last line without a line end gets none. */
	set_ok("# a\nseccomp: /old.json", "seccomp", "/new.json", "# a\nseccomp: /new.json", 2);
	set_ok("seccomp: /old.json", "seccomp", "/new.json", "seccomp: /new.json", 1);
	set_ok("# a\r\napparmor: profile=unconfined", "apparmor", "profile=generated,nesting=1",
	       "# a\r\napparmor: profile=generated,nesting=1", 2);
}
END_TEST

START_TEST(test_set_appends_when_absent)
{
	set_ok("", "seccomp", "/etc/s.json", "seccomp: /etc/s.json\n", 1);
	set_ok("# a\n\nnet0: name=eth0,bridge=vmbr0\n", "apparmor", "profile=generated",
	       "# a\n\nnet0: name=eth0,bridge=vmbr0\napparmor: profile=generated\n", 4);
	/* A CRLF file gets a CRLF line. */
	set_ok("# a\r\nnet0: name=eth0,bridge=vmbr0\r\n", "selinux", "u:r:t",
	       "# a\r\nnet0: name=eth0,bridge=vmbr0\r\nselinux: u:r:t\r\n", 3);
	/* A last line without a line end gets one first. */
	set_ok("# a", "seccomp", "/s.json", "# a\nseccomp: /s.json\n", 2);
	set_ok("# a\r\n# b", "seccomp", "/s.json", "# a\r\n# b\r\nseccomp: /s.json\r\n", 3);
}
END_TEST

START_TEST(test_set_null_removes)
{
	struct configedit_result res = {};
	struct lxcri_error err = {};
	static const char text[] = "# a\r\nseccomp: /s.json\r\n\r\n# b\n";

	set_ok(text, "seccomp", NULL, "# a\r\n\r\n# b\n", 2);
	set_ok("# a\nselinux: u:r:t", "selinux", NULL, "# a\n", 2);
	set_ok("apparmor: profile=unconfined\n", "apparmor", NULL, "", 1);

	ck_assert_int_eq(configedit_set("t.conf", text, strlen(text), "seccomp", NULL, &res, &err),
			 0);
	ck_assert_ptr_null(res.config->lsm.seccomp);
	configedit_result_done(&res);
}
END_TEST

START_TEST(test_set_remove_absent_key)
{
	set_fails("# a\nselinux: u:r:t\n", "seccomp", NULL, -ENOENT,
		  "t.conf: 'seccomp' is not set");
	set_fails("", "apparmor", NULL, -ENOENT, "t.conf: 'apparmor' is not set");
	/* A commented-out line is not the key. */
	set_fails("# seccomp: /s.json\n", "seccomp", NULL, -ENOENT, "'seccomp' is not set");
}
END_TEST

START_TEST(test_set_invalid_value_gives_the_parser_message)
{
	static const char text[] = "# a\nseccomp: /s.json\n";

	/* Replacing: the line of the key. */
	set_fails(text, "seccomp", "relative.json", -EINVAL,
		  "t.conf:2: Invalid value 'relative.json' for 'seccomp': expected an absolute "
		  "path");
	set_fails(text, "seccomp", "", -EINVAL, "t.conf:2: Empty value for 'seccomp'");
	/* Appending: the new line. */
	set_fails(text, "selinux", "no-context", -EINVAL,
		  "t.conf:3: Invalid value 'no-context' for 'selinux'");
	set_fails(text, "apparmor", "profile=named,nesting=1", -EINVAL,
		  "t.conf:3: Invalid value '1' for 'nesting' in 'apparmor': only valid with "
		  "profile=generated");
	set_fails("# a", "apparmor", "nesting=1", -EINVAL,
		  "t.conf:2: Missing property 'profile' in 'apparmor'");
	/* Not a key of the grammar. */
	set_fails(text, "colour", "red", -EINVAL, "t.conf:3: Unknown key 'colour'");
	/* The text itself must parse. */
	set_fails("seccomp: /s.json\nbogus: 1\n", "seccomp", "/t.json", -EINVAL,
		  "t.conf:2: Unknown key 'bogus'");
}
END_TEST

START_TEST(test_set_control_characters_refused)
{
	static const char text[] = "# a\nseccomp: /s.json\n";

	/* A line end in the value would smuggle in a key of its own. */
	set_fails(text, "seccomp", "/t.json\napparmor: profile=unconfined", -EINVAL,
		  "t.conf:2: Invalid value '/t.json\\x0aapparmor: profile=unconfined' for "
		  "'seccomp'");
	set_fails(text, "seccomp", "/t.json\r", -EINVAL, "without control characters");
	set_fails(text, "seccomp", "/t\t.json", -EINVAL, "without control characters");
	set_fails(text, "selinux", "u:r:t\nseccomp: /x.json", -EINVAL,
		  "t.conf:3: Invalid value 'u:r:t\\x0aseccomp: /x.json' for 'selinux'");
	set_fails(text, "selinux", "u:r:t\x7f", -EINVAL, "without control characters");
}
END_TEST

static Suite *configedit_suite(void)
{
	Suite *s = suite_create("configedit");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_add_to_empty);
	tcase_add_test(tc, test_add_keeps_everything_byte_for_byte);
	tcase_add_test(tc, test_add_lowest_free_index);
	tcase_add_test(tc, test_add_explicit_index);
	tcase_add_test(tc, test_add_last_line_without_newline);
	tcase_add_test(tc, test_add_crlf);
	tcase_add_test(tc, test_add_cni_and_full_property_set);
	tcase_add_test(tc, test_add_bad_values_give_the_parser_message);
	tcase_add_test(tc, test_add_duplicate_name_or_mac);
	tcase_add_test(tc, test_add_control_characters_refused);
	tcase_add_test(tc, test_add_full_table);
	tcase_add_test(tc, test_add_to_invalid_config_names_its_line);
	tcase_add_test(tc, test_add_binary_text_refused);
	tcase_add_test(tc, test_add_uses_only_size_bytes);
	tcase_add_test(tc, test_add_too_large);
	tcase_add_test(tc, test_add_null_name_and_value);
	tcase_add_test(tc, test_del_keeps_everything_else);
	tcase_add_test(tc, test_del_last_line_without_newline);
	tcase_add_test(tc, test_del_only_line);
	tcase_add_test(tc, test_del_crlf);
	tcase_add_test(tc, test_del_unknown_name);
	tcase_add_test(tc, test_del_in_use_by_route_or_port);
	tcase_add_test(tc, test_del_invalid_config);
	tcase_add_test(tc, test_add_then_del_gives_the_text_back);
	tcase_add_test(tc, test_find_net);
	tcase_add_test(tc, test_port_add_and_del);
	tcase_add_test(tc, test_set_replaces_in_place);
	tcase_add_test(tc, test_set_keeps_the_line_end);
	tcase_add_test(tc, test_set_appends_when_absent);
	tcase_add_test(tc, test_set_null_removes);
	tcase_add_test(tc, test_set_remove_absent_key);
	tcase_add_test(tc, test_set_invalid_value_gives_the_parser_message);
	tcase_add_test(tc, test_set_control_characters_refused);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(configedit_suite)
