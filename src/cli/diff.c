/*
 * diff.c - a unified diff of two texts by lines (see diff.h), as diff -u
 * writes it: the common lines at both ends set aside, the longest common
 * subsequence of the lines between them, hunks with three lines of
 * context.
 */
#include "cli/diff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CONTEXT 3
/* Past this many cells, the lines between the common ends are shown as
 * all removed and all added: still a correct diff, only not the least. */
#define MAX_CELLS (16u << 20)

typedef struct lines {
	const char **s;
	size_t *len;
	size_t n;
} lines;

static int split(const char *t, size_t n, lines *l)
{
	size_t cap = 1;
	for (size_t i = 0; i < n; i++)
		cap += t[i] == '\n';
	l->s = malloc(cap * sizeof *l->s);
	l->len = malloc(cap * sizeof *l->len);
	l->n = 0;
	if (!l->s || !l->len)
		return -1;
	for (size_t i = 0; i < n;) {
		const char *e = memchr(t + i, '\n', n - i);
		size_t k = e ? (size_t)(e - (t + i)) + 1 : n - i;
		l->s[l->n] = t + i;
		l->len[l->n++] = k;
		i += k;
	}
	return 0;
}

static int same(const lines *a, size_t i, const lines *b, size_t j)
{
	return a->len[i] == b->len[j] && !memcmp(a->s[i], b->s[j], a->len[i]);
}

/* One line of the script: ' ', '-' or '+', and the line. */
typedef struct op {
	char tag;
	size_t ia, ib; /* the line's index in A (' ', '-') or B ('+') */
} op;

static void put_line(FILE *f, char tag, const char *s, size_t n)
{
	fputc(tag, f);
	fwrite(s, 1, n, f);
	if (!n || s[n - 1] != '\n')
		fputs("\n\\ No newline at end of file\n", f);
}

static void range(FILE *f, char sign, size_t start, size_t count)
{
	/* diff -u: "start,count", start 0 for an empty range */
	if (count == 1)
		fprintf(f, "%c%zu", sign, start + 1);
	else
		fprintf(f, "%c%zu,%zu", sign, count ? start + 1 : start, count);
}

int ts_diff(FILE *f, const char *name_a, const char *a, size_t na,
	    const char *name_b, const char *b, size_t nb)
{
	lines A = {0}, B = {0};
	op *ops = NULL;
	uint32_t *dp = NULL;
	int rc = -1;
	if (split(a, na, &A) < 0 || split(b, nb, &B) < 0)
		goto out;
	size_t pre = 0, suf = 0;
	while (pre < A.n && pre < B.n && same(&A, pre, &B, pre))
		pre++;
	while (suf < A.n - pre && suf < B.n - pre &&
	       same(&A, A.n - 1 - suf, &B, B.n - 1 - suf))
		suf++;
	if (pre == A.n && pre == B.n) {
		rc = 0;
		goto out;
	}
	size_t ma = A.n - pre - suf, mb = B.n - pre - suf;
	ops = malloc((A.n + B.n) * sizeof *ops);
	if (!ops)
		goto out;
	size_t nops = 0;
	for (size_t i = 0; i < pre; i++)
		ops[nops++] = (op){' ', i, i};
	/* dp[i][j]: the longest common subsequence of A's middle from i and
	 * B's middle from j */
	if ((ma + 1) * (mb + 1) <= MAX_CELLS)
		dp = calloc((ma + 1) * (mb + 1), sizeof *dp);
	if (dp) {
		for (size_t i = ma; i-- > 0;)
			for (size_t j = mb; j-- > 0;)
				dp[i * (mb + 1) + j] =
				    same(&A, pre + i, &B, pre + j)
					? dp[(i + 1) * (mb + 1) + j + 1] + 1
				    : dp[(i + 1) * (mb + 1) + j] >
					    dp[i * (mb + 1) + j + 1]
					? dp[(i + 1) * (mb + 1) + j]
					: dp[i * (mb + 1) + j + 1];
		size_t i = 0, j = 0;
		while (i < ma || j < mb) {
			if (i < ma && j < mb &&
			    same(&A, pre + i, &B, pre + j)) {
				ops[nops++] = (op){' ', pre + i, pre + j};
				i++, j++;
			} else if (j < mb && (i == ma ||
					      dp[i * (mb + 1) + j + 1] >=
						  dp[(i + 1) * (mb + 1) + j])) {
				ops[nops++] = (op){'+', pre + i, pre + j};
				j++;
			} else {
				ops[nops++] = (op){'-', pre + i, pre + j};
				i++;
			}
		}
		/* within each change, removals before additions (diff -u) */
		op *c = malloc((ma + mb + 1) * sizeof *c);
		if (!c)
			goto out;
		for (size_t k = pre; k < nops;) {
			size_t e = k, n = 0;
			while (e < nops && ops[e].tag != ' ')
				e++;
			for (size_t x = k; x < e; x++)
				if (ops[x].tag == '-')
					c[n++] = ops[x];
			for (size_t x = k; x < e; x++)
				if (ops[x].tag == '+')
					c[n++] = ops[x];
			memcpy(ops + k, c, n * sizeof *c);
			k = e + 1;
		}
		free(c);
	} else {
		for (size_t i = 0; i < ma; i++)
			ops[nops++] = (op){'-', pre + i, pre};
		for (size_t j = 0; j < mb; j++)
			ops[nops++] = (op){'+', pre + ma, pre + j};
	}
	for (size_t k = 0; k < suf; k++)
		ops[nops++] = (op){' ', pre + ma + k, pre + mb + k};
	fprintf(f, "--- %s\n+++ %s\n", name_a, name_b);
	for (size_t k = 0; k < nops;) {
		if (ops[k].tag == ' ') {
			k++;
			continue;
		}
		/* a hunk: CONTEXT lines before, up to where two changes are
		 * more than 2 * CONTEXT common lines apart */
		size_t s = k > CONTEXT ? k - CONTEXT : 0, e = k;
		for (;;) {
			while (e < nops && ops[e].tag != ' ')
				e++;
			size_t c = e;
			while (c < nops && ops[c].tag == ' ')
				c++;
			if (c == nops || c - e > 2 * CONTEXT) {
				e = e + CONTEXT < nops ? e + CONTEXT : nops;
				break;
			}
			e = c;
		}
		size_t sa = 0, ca = 0, sb = 0, cb = 0;
		int fa = 0, fb = 0;
		for (size_t x = s; x < e; x++) {
			if (ops[x].tag != '+') {
				if (!fa++)
					sa = ops[x].ia;
				ca++;
			}
			if (ops[x].tag != '-') {
				if (!fb++)
					sb = ops[x].ib;
				cb++;
			}
		}
		if (!ca)
			sa = ops[s].ia;
		if (!cb)
			sb = ops[s].ib;
		fputs("@@ ", f);
		range(f, '-', sa, ca);
		fputc(' ', f);
		range(f, '+', sb, cb);
		fputs(" @@\n", f);
		for (size_t x = s; x < e; x++) {
			if (ops[x].tag == '+')
				put_line(f, '+', B.s[ops[x].ib],
					 B.len[ops[x].ib]);
			else
				put_line(f, ops[x].tag, A.s[ops[x].ia],
					 A.len[ops[x].ia]);
		}
		k = e;
	}
	rc = 1;
out:
	free(dp);
	free(ops);
	free(A.s);
	free(A.len);
	free(B.s);
	free(B.len);
	return rc;
}
