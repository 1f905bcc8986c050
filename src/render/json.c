/*
 * json.c - one event as one JSON object (JSON Lines), built with jansson.
 * The fields are documented in doc/json.md; "v" is the schema version.
 * Times are integers (microseconds), so the output is the same everywhere.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpsim.h"

#define SCHEMA_VERSION 1

static const char *state_name(int st)
{
	const char *n = tcpsim_state_name(st);
	return n ? n : "?";
}

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_string(v));
}

static json_t *addr_port(uint32_t a, uint16_t port)
{
	char b[32];
	snprintf(b, sizeof b, "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255,
		 (a >> 8) & 255, a & 255, port);
	return json_string(b);
}

static json_t *segment(const tcpsim_segment *s)
{
	static const struct {
		uint8_t bit;
		const char *name;
	} names[] = {{TCPSIM_SYN, "SYN"},
		     {TCPSIM_FIN, "FIN"},
		     {TCPSIM_RST, "RST"},
		     {TCPSIM_PSH, "PSH"},
		     {TCPSIM_ACK, "ACK"}};
	json_t *o = json_object();
	json_t *flags = json_array();
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (s->flags & names[i].bit)
			json_array_append_new(flags,
					      json_string(names[i].name));
	json_object_set_new(o, "src", addr_port(s->saddr, s->sport));
	json_object_set_new(o, "dst", addr_port(s->daddr, s->dport));
	json_object_set_new(o, "flags", flags);
	json_object_set_new(o, "seq", json_integer(s->seq));
	json_object_set_new(o, "ack", json_integer(s->ack));
	json_object_set_new(o, "len", json_integer(s->len));
	json_object_set_new(o, "win", json_integer(s->win));
	if (s->mss)
		json_object_set_new(o, "mss", json_integer(s->mss));
	if (s->flags & TCPSIM_SYN) {
		json_object_set_new(o, "sack_ok", json_boolean(s->sack_ok));
		json_object_set_new(o, "ts", json_boolean(s->ts));
	}
	return o;
}

char *tcpsim_event_json(const tcpsim_event *ev, unsigned long long seq)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "v", json_integer(SCHEMA_VERSION));
	json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	json_object_set_new(o, "time_us", json_integer(ev->time_us));
	json_object_set_new(
	    o, "kind",
	    json_string(ev->kind == TCPSIM_EV_BLOCK ? "block" : ev->kind_name));
	json_object_set_new(o, "host",
			    ev->host ? json_string(ev->host) : json_null());
	set_str(o, "detail", ev->detail);
	if (ev->line)
		json_object_set_new(o, "line", json_integer(ev->line));
	set_str(o, "socket", ev->socket);
	switch (ev->kind) {
	case TCPSIM_EV_STATE:
		set_str(o, "old_state", state_name(ev->old_state));
		set_str(o, "new_state", state_name(ev->new_state));
		set_str(o, "cause", ev->cause);
		break;
	case TCPSIM_EV_SEND:
	case TCPSIM_EV_INJECT:
	case TCPSIM_EV_REPLAY:
	case TCPSIM_EV_RECV:
	case TCPSIM_EV_LOST:
		json_object_set_new(o, "segno", json_integer(ev->segno));
		set_str(o, "from", ev->from_host);
		set_str(o, "to", ev->to_host);
		if (ev->segment)
			json_object_set_new(o, "segment", segment(ev->segment));
		if (ev->kind == TCPSIM_EV_SEND ||
		    ev->kind == TCPSIM_EV_INJECT) {
			json_object_set_new(o, "dropped",
					    json_boolean(ev->dropped));
			json_object_set_new(o, "duplicated",
					    json_boolean(ev->duplicated));
			json_object_set_new(o, "delay_us",
					    json_integer(ev->delay_us));
		}
		if (ev->kind == TCPSIM_EV_RECV)
			json_object_set_new(o, "duplicate",
					    json_boolean(ev->duplicated));
		if (ev->kind == TCPSIM_EV_REPLAY)
			json_object_set_new(o, "replay_of",
					    json_integer(ev->replay_of));
		break;
	case TCPSIM_EV_CALL:
	case TCPSIM_EV_RETURN:
		set_str(o, "call", ev->call);
		json_object_set_new(o, "result", json_integer(ev->result));
		json_object_set_new(o, "errno",
				    ev->errno_name ? json_string(ev->errno_name)
						   : json_null());
		json_object_set_new(o, "sigpipe", json_boolean(ev->sigpipe));
		if (ev->kind == TCPSIM_EV_RETURN)
			json_object_set_new(o, "began_us",
					    json_integer(ev->began_us));
		break;
	case TCPSIM_EV_BLOCK:
		set_str(o, "call", ev->call);
		break;
	case TCPSIM_EV_RESET:
		set_str(o, "reason", ev->reason);
		set_str(o, "rule", ev->rule);
		break;
	case TCPSIM_EV_EXPECT:
		json_object_set_new(o, "ok", json_boolean(ev->ok));
		break;
	case TCPSIM_EV_DROP:
	case TCPSIM_EV_TIMER:
	case TCPSIM_EV_REXMIT:
	case TCPSIM_EV_SIGNAL:
	case TCPSIM_EV_PROC:
	case TCPSIM_EV_HOST:
	case TCPSIM_EV_SKIP:
	case TCPSIM_EV_FAIL:
	case TCPSIM_EV_END:
	case TCPSIM_EV_WHY:
		break;
	}
	char *out = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	return out;
}
