/* fuzz_json_emitter.c - the streaming JSON writer (render/jsonw.c, render/json_emit.c)
 * against jansson: the input is turned into up to four objects, every field of them from
 * its bytes (json_check.h: any kind, strings of any bytes, numbers at the edges, absent
 * fields, empty and full arrays), and for one output's flags, chosen by the input's last
 * byte, the writer's text must be jansson's dump of json_of_object byte for byte. One flag
 * set per execution, not all five, and no parse of the text back (bytes that are jansson's
 * parse as jansson's do: that tests jansson): the dumps and parses under ASan were nearly all
 * of an execution's time (288 exec/s for five, so 10^7 took ten hours of a core), and the
 * fuzzer reaches every flag set through that byte. test_jsonw checks every fixture and its
 * random objects under all five, parsed back.
 * Also a few bare strings and reals straight from the input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json_check.h"

/* The writer's text for one string member against jansson's, both ways (text, str). */
static void check_string(const char *s)
{
	for (int text = 0; text < 2; text++) {
		json_t *j = json_object();
		struct jsonw w;
		char *want;

		if (text)
			json_set_text(j, "k", s);
		else
			json_object_set_new(j, "k", json_string(s));
		want = json_dumps(j, JSON_OUT_COMPACT);
		jsonw_init(&w, JSON_OUT_COMPACT, 0);
		jsonw_open_object(&w);
		if (text)
			jsonw_member_text(&w, "k", s);
		else
			jsonw_member_str(&w, "k", s);
		jsonw_close_object(&w);
		if (!want || w.len != strlen(want) || memcmp(w.p, want, w.len))
			abort();
		free(want);
		json_decref(j);
		jsonw_release(&w);
	}
}

static void check_real(double v, int precision)
{
	json_t *a = json_pack("[f]", v);
	char *want, buf[64];
	size_t n = jsonw_format_real(buf, sizeof(buf), v, precision);

	if (!a) { /* not finite: json_real refuses it, and so does the writer */
		if (n)
			abort();
		return;
	}
	want = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(precision));
	if (!want || n + 2 != strlen(want) || memcmp(buf, want + 1, n))
		abort();
	free(want);
	json_decref(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct byte_src b = {data, size};
	struct json_check_pool pool;
	char *s = fuzz_cstr(data, size);
	uint64_t bits = 0;
	size_t flags;
	double v;

	check_string(s);
	free(s);
	for (size_t i = 0; i < 8 && i < size; i++)
		bits = bits << 8 | data[i];
	memcpy(&v, &bits, sizeof(v));
	check_real(v, size ? data[0] & 31 : 0);
	check_real(isfinite(v) ? v : 0, 15);

	flags = json_check_flags[size ? data[size - 1] % JSON_CHECK_NFLAGS : 0];
	src_containers(&b, &pool);
	for (int i = 0; i < 4 && (i == 0 || b.n); i++) {
		struct ipc_object *o = src_object(&b, &pool);

		if (json_check_object(o, flags, false) < 0)
			abort();
		object_free(o);
	}
	return 0;
}
