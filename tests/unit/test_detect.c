/* SPDX-License-Identifier: ISC */
/* test_detect.c -- rpt-pack's metadata detection (tools/detect.c) on its
 * own: RFC 5322 dates old and new, RFC 2047 words in several charsets,
 * folded and missing headers, mbox lines, texts, dates in file names. */
#include "testlib.h"

#include "detect.h"

#include <archive_rpt.h>

static void check_str(const char *got, const char *want, int line) {
    t_checks++;
    if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0)) {
        t_failures++;
        fprintf(stderr, "test_detect.c:%d: got '%s', expected '%s'\n", line, got ? got : "(null)",
                want ? want : "(null)");
    }
}
#define CHECK_STR(got, want) check_str((got), (want), __LINE__)

static int64_t date_of(const char *s) {
    int64_t t = -1;
    if (detect_mail_date(s, strlen(s), &t) != 0) return -1;
    return t;
}

static void test_dates(void) {
    CHECK_EQ_INT(date_of("Thu, 22 Aug 2002 12:36:23 +0100 (IST)"), 1030016183);
    CHECK_EQ_INT(date_of("Thu, 22 Aug 2002 12:36:23 +0100"), 1030016183);
    CHECK_EQ_INT(date_of("  thu,22 aug 2002 11:36:23 Z"), 1030016183);
    /* obsolete: two- and three-digit years, zone names, no seconds */
    CHECK_EQ_INT(date_of("22 Aug 02 12:36 EDT"), 1030034160);
    CHECK_EQ_INT(date_of("Thu, 22 Aug 102 12:36:00 GMT"), 1030019760);
    CHECK_EQ_INT(date_of("1 Jan 49 00:00 +0000"), 2493072000);
    CHECK_EQ_INT(date_of("Tue,  1 Jan 2002 00:00:00 -0000 (comment (nested))"), 1009843200);
    CHECK_EQ_INT(date_of("Tue, 1 January 2002 00:00:00 UT"), 1009843200);
    CHECK_EQ_INT(date_of("Tue, 1 Jan 2002 00 : 00 : 00 CET"), 1009843200); /* unknown zone: UTC */
    CHECK_EQ_INT(date_of("Tue, 1 Jan 2002 00:00:00"), 1009843200);          /* no zone */
    CHECK_EQ_INT(date_of("Fri, 31 Dec 1999 23:59:60 +0000"), 946684799);
    /* folded across lines, as a header field may be */
    CHECK_EQ_INT(date_of("Thu, 22 Aug 2002\r\n 12:36:23 +0100"), 1030016183);
    /* bad dates */
    CHECK_EQ_INT(date_of(""), -1);
    CHECK_EQ_INT(date_of("yesterday"), -1);
    CHECK_EQ_INT(date_of("2002-08-22T12:36:23Z"), -1);
    CHECK_EQ_INT(date_of("Thu, 32 Aug 2002 12:36:23 +0000"), -1);
    CHECK_EQ_INT(date_of("Sat, 29 Feb 2003 12:36:23 +0000"), -1);
    CHECK_EQ_INT(date_of("Thu, 22 Foo 2002 12:36:23 +0000"), -1);
    CHECK_EQ_INT(date_of("Thu, 22 Aug 2002 24:00:00 +0000"), -1);
    CHECK_EQ_INT(date_of("Thu, 22 Aug 2002 12:36:23 +0199"), -1);
    CHECK_EQ_INT(date_of("Thu, 22 Aug 2002 12:36:23 +01"), -1);
    CHECK_EQ_INT(date_of("Thu, 22 Aug 2002 12:36:23 +0000 trailing"), -1);
    CHECK_EQ_INT(date_of("Thu, 22 Aug 2002 12:36:23 +0000 (unclosed"), 1030019783);
    CHECK_EQ_INT(date_of("Thu, 22 Aug 2"), -1);
    CHECK_EQ_INT(date_of("Thu, 22 Aug"), -1);
}

static void header(const char *raw, const char *want, int line) {
    char *got = detect_header_text(raw, strlen(raw), RPT_TEXT_MAX);
    check_str(got, want, line);
    free(got);
}
#define HEADER(raw, want) header((raw), (want), __LINE__)

static void test_headers(void) {
    HEADER(" plain subject ", "plain subject");
    HEADER(" folded\r\n\tsubject", "folded subject");
    HEADER(" =?ISO-8859-1?Q?Caf=E9_cr=E8me?=", "Caf\xc3\xa9 cr\xc3\xa8me");
    HEADER(" =?utf-8?b?w6l0w6k=?=", "\xc3\xa9t\xc3\xa9");
    HEADER(" =?UTF-8?B?w6l0w6k?=", "\xc3\xa9t\xc3\xa9"); /* padding missing */
    /* the space between two encoded words is not text, before plain text it is */
    HEADER(" =?utf-8?q?a?= =?utf-8?q?b?= c", "ab c");
    HEADER(" =?utf-8?q?a?=\r\n  =?utf-8?q?b?=", "ab");
    HEADER(" x =?utf-8?q?a?=", "x a");
    /* a character split between two words of one charset */
    HEADER(" =?utf-8?b?ww==?= =?utf-8?b?qQ==?=", "\xc3\xa9");
    /* other charsets through iconv */
    HEADER(" =?koi8-r?b?8NLJ18XU?=", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
    HEADER(" =?windows-1252?q?=93quoted=94?=", "\xe2\x80\x9cquoted\xe2\x80\x9d");
    HEADER(" =?iso-2022-jp?b?GyRCRnxLXDhsGyhC?=", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
    HEADER(" =?utf-8*en?q?lang?=", "lang"); /* RFC 2231 language */
    /* unknown charset, bad base64, not a word: left as written */
    HEADER(" =?x-no-such?q?abc?=", "=?x-no-such?q?abc?=");
    HEADER(" =?utf-8?b?!!!?=", "=?utf-8?b?!!!?=");
    HEADER(" =?utf-8?x?abc?=", "=?utf-8?x?abc?=");
    HEADER(" =?utf-8?q?abc", "=?utf-8?q?abc");
    /* a byte the charset does not have */
    HEADER(" =?utf-8?q?a=FFb?=", "a\xef\xbf\xbd" "b");
    /* raw 8-bit that is not UTF-8 is read as ISO-8859-1; UTF-8 stays */
    HEADER(" Caf\xe9", "Caf\xc3\xa9");
    HEADER(" Caf\xc3\xa9", "Caf\xc3\xa9");
    /* controls, encoded or not, become spaces */
    HEADER(" a=?utf-8?q?=07?=b", "a b");
    HEADER(" \x1b[31mred", "[31mred");
    HEADER("", "");
    char *cut = detect_header_text(" \xc3\xa9\xc3\xa9", 5, 3);
    CHECK_STR(cut, "\xc3\xa9");
    free(cut);
}

static void test_mail(void) {
    detected d;
    static const char mail[] =
        "From list-admin@example.org  Thu Aug 22 12:36:23 2002\n"
        "Return-Path: <list-admin@example.org>\n"
        "Received: from a\n  by b; Thu, 22 Aug 2002 07:36:16 -0400\n"
        "From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.org>\n"
        "Subject: Re: the new\n\t sequences window\n"
        "Date: Thu, 22 Aug 2002 12:36:23 +0100 (IST)\n"
        "Message-ID: <1029945287.4797@example.org>\n"
        "Subject: a second subject does not count\n"
        "\n"
        "Subject: in the body\n";
    detect_content((const uint8_t *)mail, sizeof mail - 1, DETECT_AUTO, &d);
    CHECK(d.is_mail);
    CHECK(d.have_issued);
    CHECK_EQ_INT(d.issued, 1030016183);
    CHECK_STR(d.title, "Re: the new  sequences window");
    CHECK_STR(d.source, "Andr\xc3\xa9 <andre@example.org>");
    CHECK_STR(d.message_id, "<1029945287.4797@example.org>");
    detect_free(&d);

    /* CRLF, no Subject, a bad Date: no title, no time, still a mail */
    static const char bare[] = "Date: someday\r\nFrom: a@b\r\n\r\nbody\r\n";
    detect_content((const uint8_t *)bare, sizeof bare - 1, DETECT_AUTO, &d);
    CHECK(d.is_mail);
    CHECK(!d.have_issued);
    CHECK(d.title == NULL);
    CHECK_STR(d.source, "a@b");
    CHECK(d.message_id == NULL);
    detect_free(&d);

    /* a body that is not UTF-8 does not matter to the headers */
    static const char latin[] = "From: x@y\nDate: 1 Jan 2002 00:00 +0000\nSubject: =?iso-8859-15?q?=A4uro?=\n\n\xe9t\xe9\n";
    detect_content((const uint8_t *)latin, sizeof latin - 1, DETECT_AUTO, &d);
    CHECK(d.is_mail);
    CHECK_EQ_INT(d.issued, 1009843200);
    CHECK_STR(d.title, "\xe2\x82\xac" "uro");
    detect_free(&d);

    /* the mbox line is never the title, even of a message with no headers */
    static const char only_from[] = "From someone Thu Aug 22 12:36:23 2002\nFrom: a@b\n\nhi\n";
    detect_content((const uint8_t *)only_from, sizeof only_from - 1, DETECT_AUTO, &d);
    CHECK(d.is_mail);
    CHECK(d.title == NULL);
    detect_free(&d);
}

static void test_text(void) {
    detected d;
    /* a text with one "Key: value" line is not a mail */
    static const char note[] = "\n  Note: roads closed  \n\nThe coast road is closed.\n";
    detect_content((const uint8_t *)note, sizeof note - 1, DETECT_AUTO, &d);
    CHECK(!d.is_mail);
    CHECK_STR(d.title, "Note: roads closed");
    CHECK(!d.have_issued);
    detect_free(&d);
    /* a header-like text with no From or Date is not a mail either */
    static const char kv[] = "Title: x\nAuthor: y\n\nbody\n";
    detect_content((const uint8_t *)kv, sizeof kv - 1, DETECT_AUTO, &d);
    CHECK(!d.is_mail);
    CHECK_STR(d.title, "Title: x");
    detect_free(&d);
    /* --detect mail makes it one; text and none do not look */
    detect_content((const uint8_t *)kv, sizeof kv - 1, DETECT_MAIL, &d);
    CHECK(d.is_mail);
    CHECK(d.title == NULL);
    detect_free(&d);
    static const char mail[] = "From: a@b\nSubject: s\n\nbody\n";
    detect_content((const uint8_t *)mail, sizeof mail - 1, DETECT_TEXT, &d);
    CHECK(!d.is_mail);
    CHECK_STR(d.title, "From: a@b");
    detect_free(&d);
    detect_content((const uint8_t *)mail, sizeof mail - 1, DETECT_NONE, &d);
    CHECK(!d.is_mail && d.title == NULL && d.source == NULL);
    detect_free(&d);
    /* not UTF-8, blank, BOM, long lines */
    detect_content((const uint8_t *)"\xff\xfe title", 8, DETECT_AUTO, &d);
    CHECK(d.title == NULL);
    detect_free(&d);
    detect_content((const uint8_t *)" \n\t\n", 4, DETECT_AUTO, &d);
    CHECK(d.title == NULL);
    detect_free(&d);
    detect_content((const uint8_t *)"\xef\xbb\xbfHello\n", 9, DETECT_AUTO, &d);
    CHECK_STR(d.title, "Hello");
    detect_free(&d);
    char long_line[600];
    memset(long_line, 'x', sizeof long_line);
    detect_content((const uint8_t *)long_line, sizeof long_line, DETECT_AUTO, &d);
    CHECK(d.title && strlen(d.title) == DETECT_LINE_TITLE_MAX);
    detect_free(&d);
}

static void test_names(void) {
    int64_t t = 0;
    CHECK_EQ_INT(detect_date_from_name("%Y", "1962_annual_message.txt", &t), 0);
    CHECK_EQ_INT(t, -252460800);
    CHECK_EQ_INT(detect_date_from_name("%Y-%m-%d", "2026-03-02-narcotics-crackdown.txt", &t), 0);
    CHECK_EQ_INT(t, 1772409600);
    CHECK_EQ_INT(detect_date_from_name("%Y%m%dT%H%M", "20260302T0930_x", &t), 0);
    CHECK_EQ_INT(t, 1772443800);
    CHECK_EQ_INT(detect_date_from_name("%Y-%m-%d", "annual_message.txt", &t), -1);
    CHECK_EQ_INT(detect_date_from_name("%Y-%m-%d", "2026-02-30-x.txt", &t), -1);
    CHECK_EQ_INT(detect_date_from_name("%Y-%m-%d", "2026-13-01-x.txt", &t), -1);
    CHECK_EQ_INT(detect_mbox_from_date("From a@b  Thu Aug 22 12:36:23 2002", 35, &t), 0);
    CHECK_EQ_INT(t, 1030019783);
    CHECK_EQ_INT(detect_mbox_from_date("From a@b", 8, &t), -1);
    CHECK_EQ_INT(detect_mbox_from_date("Frob a@b Thu Aug 22 12:36:23 2002", 33, &t), -1);
    detect_mode m;
    CHECK_EQ_INT(detect_mode_parse("mail", &m), 0);
    CHECK_EQ_INT(m, DETECT_MAIL);
    CHECK_EQ_INT(detect_mode_parse("Mail", &m), -1);
}

int main(void) {
    test_dates();
    test_headers();
    test_mail();
    test_text();
    test_names();
    return t_done("test_detect");
}
