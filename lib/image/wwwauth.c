/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/image/wwwauth.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/basic/ascii.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/escape.h"

/* RFC 7230 tchar. */
static bool is_tchar(char c)
{
	return ascii_is_alnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* RFC 7235 token68 characters (before the trailing '='s). */
static bool is_token68_char(char c)
{
	return ascii_is_alnum(c) || (c && strchr("-._~+/", c));
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

struct parser {
	const char *s;
	size_t i;
	const char *why;
};

static void skip_blanks(struct parser *p)
{
	while (is_blank(p->s[p->i]))
		p->i++;
}

/* A token at p->i: its length, 0 if none. */
static size_t token_length(const struct parser *p, size_t at)
{
	size_t n = 0;

	while (is_tchar(p->s[at + n]))
		n++;
	return n;
}

static char *copy(const char *s, size_t n)
{
	return strndup(s, n);
}

/* A quoted-string at p->i (on the '"'); the unescaped value, NULL with p->why on error. */
static char *quoted_string(struct parser *p, int *ret_errno)
{
	_cleanup_free_ char *v = NULL;
	size_t n = 0;

	p->i++; /* the opening quote */
	v = malloc(strlen(p->s + p->i) + 1);
	if (!v) {
		*ret_errno = -ENOMEM;
		return NULL;
	}
	for (;;) {
		char c = p->s[p->i];

		if (c == '\0') {
			p->why = "a quoted string is not closed";
			*ret_errno = -EINVAL;
			return NULL;
		}
		if (c == '"')
			break;
		if (c == '\\') {
			c = p->s[++p->i];
			if (c == '\0') {
				p->why = "a quoted string ends in '\\'";
				*ret_errno = -EINVAL;
				return NULL;
			}
		}
		v[n++] = c;
		p->i++;
	}
	p->i++; /* the closing quote */
	v[n] = '\0';
	return TAKE_PTR(v);
}

static int param_add(struct parser *p, struct wwwauth_challenge *c, const char *name,
		     size_t name_len, char *value)
{
	_cleanup_free_ char *v = value;

	for (size_t k = 0; k < c->n_params; k++)
		if (strlen(c->params[k].name) == name_len &&
		    strncasecmp(c->params[k].name, name, name_len) == 0) {
			p->why = "a parameter is given twice in one challenge";
			return -EINVAL;
		}
	if (c->n_params == WWWAUTH_PARAMS_MAX) {
		p->why = "a challenge has too many parameters";
		return -EINVAL;
	}
	c->params[c->n_params].name = copy(name, name_len);
	if (!c->params[c->n_params].name)
		return -ENOMEM;
	c->params[c->n_params++].value = TAKE_PTR(v);
	return 0;
}

/*
 * At p->i, after a comma (and blanks): whether an auth-param follows (token
 * BWS "=") rather than the scheme of the next challenge. A token68 ends in
 * '='s too, but only ever stands right after a scheme, never after a comma.
 */
static bool param_follows(const struct parser *p)
{
	size_t n = token_length(p, p->i), j = p->i + n;

	if (n == 0)
		return false;
	while (is_blank(p->s[j]))
		j++;
	return p->s[j] == '=';
}

/* One challenge at p->i; leaves p->i on the ',' before the next one or on the end. */
/* At p->i: token BWS "=" BWS, then a token or a quoted-string: an auth-param, not a token68. */
static bool param_starts(const struct parser *p)
{
	size_t j;

	if (!param_follows(p))
		return false;
	for (j = p->i + token_length(p, p->i); is_blank(p->s[j]); j++)
		;
	for (j++; is_blank(p->s[j]); j++)
		;
	return is_tchar(p->s[j]) || p->s[j] == '"';
}

static int challenge_parse(struct parser *p, struct wwwauth_challenge *c)
{
	size_t n = token_length(p, p->i);
	int r;

	if (n == 0) {
		p->why = "expected an authentication scheme";
		return -EINVAL;
	}
	c->scheme = copy(p->s + p->i, n);
	if (!c->scheme)
		return -ENOMEM;
	p->i += n;
	if (p->s[p->i] == '\0' || p->s[p->i] == ',')
		return 0;
	if (p->s[p->i] != ' ') {
		p->why = "expected a space after the authentication scheme";
		return -EINVAL;
	}
	skip_blanks(p);
	if (p->s[p->i] == '\0' || p->s[p->i] == ',')
		return 0;

	/* token68: its characters, then '='s, then the end or a comma. */
	if (!param_starts(p)) {
		size_t t = 0, e, j;

		while (is_token68_char(p->s[p->i + t]))
			t++;
		for (e = t; p->s[p->i + e] == '='; e++)
			;
		for (j = p->i + e; is_blank(p->s[j]); j++)
			;
		if (t == 0 || (p->s[j] != '\0' && p->s[j] != ',')) {
			p->why = "expected a token68 or parameters after the authentication scheme";
			return -EINVAL;
		}
		c->token68 = copy(p->s + p->i, e);
		if (!c->token68)
			return -ENOMEM;
		p->i = j;
		return 0;
	}

	for (;;) {
		const char *name;
		char *value;

		n = token_length(p, p->i);
		if (n == 0) {
			p->why = "expected a parameter name";
			return -EINVAL;
		}
		name = p->s + p->i;
		p->i += n;
		skip_blanks(p);
		if (p->s[p->i] != '=') {
			p->why = "expected '=' after a parameter name";
			return -EINVAL;
		}
		p->i++;
		skip_blanks(p);
		if (p->s[p->i] == '"') {
			value = quoted_string(p, &r);
			if (!value)
				return r;
		} else {
			size_t v = token_length(p, p->i);

			if (v == 0) {
				p->why = "expected a parameter value";
				return -EINVAL;
			}
			value = copy(p->s + p->i, v);
			if (!value)
				return -ENOMEM;
			p->i += v;
		}
		r = param_add(p, c, name, n, value);
		if (r < 0)
			return r;
		skip_blanks(p);
		if (p->s[p->i] == '\0')
			return 0;
		if (p->s[p->i] != ',') {
			p->why = "expected ',' after a parameter";
			return -EINVAL;
		}
		/* Commas may repeat (an empty list element); then a param or the next challenge. */
		size_t save = p->i;
		while (p->s[p->i] == ',' || is_blank(p->s[p->i]))
			p->i++;
		if (p->s[p->i] == '\0')
			return 0;
		if (!param_follows(p)) {
			p->i = save;
			return 0;
		}
	}
}

int wwwauth_parse(const char *header, struct wwwauth *ret, struct lxcri_error *err)
{
	struct parser p = { .s = header };
	struct wwwauth w = { 0 };
	char q[ESCAPE_BUFSIZE];
	size_t len = strnlen(header, WWWAUTH_HEADER_MAX + 1);
	int r = 0;

	if (len > WWWAUTH_HEADER_MAX)
		p.why = "it is longer than 8192 bytes";
	for (size_t k = 0; !p.why && k < len; k++)
		if ((unsigned char)header[k] < 0x20 && header[k] != '\t')
			p.why = "it has a control character";
		else if (header[k] == 0x7f)
			p.why = "it has a control character";
	if (p.why) {
		r = -EINVAL;
		goto fail;
	}

	skip_blanks(&p);
	for (;;) {
		/* Leading and repeated commas are empty list elements (RFC 7230 7). */
		while (p.s[p.i] == ',' || is_blank(p.s[p.i]))
			p.i++;
		if (p.s[p.i] == '\0')
			break;
		if (w.n_challenges == WWWAUTH_CHALLENGES_MAX) {
			p.why = "it has too many challenges";
			r = -EINVAL;
			goto fail;
		}
		r = challenge_parse(&p, &w.challenges[w.n_challenges++]);
		if (r < 0)
			goto fail;
	}
	if (w.n_challenges == 0) {
		p.why = "it has no challenge";
		r = -EINVAL;
		goto fail;
	}
	*ret = w;
	return 0;

fail:
	wwwauth_free(&w);
	if (r == -ENOMEM || !p.why)
		return error_oom(err);
	return error_set(err, r, "Invalid WWW-Authenticate header '%s': %s",
			 escape_for_message(header, q, sizeof(q)), p.why);
}

void wwwauth_free(struct wwwauth *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n_challenges; i++) {
		struct wwwauth_challenge *c = &w->challenges[i];

		free(c->scheme);
		free(c->token68);
		for (size_t k = 0; k < c->n_params; k++) {
			free(c->params[k].name);
			free(c->params[k].value);
		}
	}
	memset(w, 0, sizeof(*w));
}

const struct wwwauth_challenge *wwwauth_find(const struct wwwauth *w, const char *scheme)
{
	for (size_t i = 0; i < w->n_challenges; i++)
		if (w->challenges[i].scheme && strcasecmp(w->challenges[i].scheme, scheme) == 0)
			return &w->challenges[i];
	return NULL;
}

const char *wwwauth_param(const struct wwwauth_challenge *c, const char *name)
{
	for (size_t k = 0; k < c->n_params; k++)
		if (strcasecmp(c->params[k].name, name) == 0)
			return c->params[k].value;
	return NULL;
}

int wwwauth_bearer(const struct wwwauth *w, struct wwwauth_bearer *ret, struct lxcri_error *err)
{
	const struct wwwauth_challenge *c = wwwauth_find(w, "Bearer");
	char q[ESCAPE_BUFSIZE];
	const char *realm;

	if (!c)
		return -ENOENT;
	realm = wwwauth_param(c, "realm");
	if (!realm || !*realm)
		return error_set(err, -EINVAL, "Invalid Bearer challenge: it has no realm");
	if (strncasecmp(realm, "https://", 8) != 0 && strncasecmp(realm, "http://", 7) != 0)
		return error_set(err, -EINVAL,
				 "Invalid Bearer challenge: the realm '%s' is not an http:// or "
				 "https:// URL",
				 escape_for_message(realm, q, sizeof(q)));
	*ret = (struct wwwauth_bearer){
		.realm = realm,
		.service = wwwauth_param(c, "service"),
		.scope = wwwauth_param(c, "scope"),
		.error = wwwauth_param(c, "error"),
	};
	return 0;
}
