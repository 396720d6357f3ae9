/* rpt-keygen -- makes an Ed25519 signing key pair in minisign-compatible
 * files, for rpt-pack to sign with and rpt-verify to trust. */
#include "fe.h"

#include <getopt.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: rpt-keygen [-W] [-f] [-c COMMENT] [--passphrase-file FILE]\n"
    "                  -p PUBFILE -s SECFILE\n"
    "Make an Ed25519 key pair in minisign-compatible files and print its key id.\n"
    "\n"
    "  -p, --public FILE        write the public key here (share it)\n"
    "  -s, --secret FILE        write the secret key here (mode 0600)\n"
    "  -W, --without-passphrase do not encrypt the secret key (as minisign -W)\n"
    "      --passphrase-file FILE  read the passphrase from FILE instead of\n"
    "                           asking twice on the terminal\n"
    "  -c, --comment TEXT       untrusted comment written in both files\n"
    "  -f, --force              overwrite existing key files\n"
    "  -q, --quiet              print nothing on success\n"
    "  -h, --help               show this help;  -V, --version  show the version\n"
    "\n" FE_EXIT_HELP;

int main(int argc, char **argv) {
    static const struct option longopts[] = {
        {"public", required_argument, NULL, 'p'},
        {"secret", required_argument, NULL, 's'},
        {"without-passphrase", no_argument, NULL, 'W'},
        {"passphrase-file", required_argument, NULL, 'F'},
        {"comment", required_argument, NULL, 'c'},
        {"force", no_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    const char *pub_path = NULL, *sec_path = NULL, *pass_file = NULL, *comment = NULL;
    int unencrypted = 0, force = 0, quiet = 0, c, rc;
    fe_pass pw = {NULL, 0};
    rpt_seckey *sk = NULL;
    rpt_pubkey pk;
    char err[256] = "", hex[17];
    uint8_t raw[2 + RPT_KEY_ID_BYTES + RPT_PUBLIC_KEY_BYTES];
    char b64[sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_ORIGINAL)];

    fe_init(argv[0]);
    while ((c = fe_getopt(argc, argv, "p:s:Wc:fqhV", longopts)) != -1) {
        switch (c) {
        case 'p': pub_path = optarg; break;
        case 's': sec_path = optarg; break;
        case 'W': unencrypted = 1; break;
        case 'F': pass_file = optarg; break;
        case 'c': comment = optarg; break;
        case 'f': force = 1; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(usage_text, stdout); return FE_EXIT_OK;
        case 'V': fe_print_version();
        default: fe_usage_error("unknown option");
        }
    }
    if (optind != argc) fe_usage_error("unexpected argument '%s'", argv[optind]);
    if (!pub_path || !sec_path) fe_usage_error("both -p PUBFILE and -s SECFILE are needed");
    if (strcmp(pub_path, sec_path) == 0)
        fe_usage_error("-p and -s name the same file");
    if (unencrypted && pass_file)
        fe_usage_error("-W and --passphrase-file contradict each other");
    if (!force) { /* say so before asking for a passphrase */
        if (access(pub_path, F_OK) == 0)
            fe_die(FE_EXIT_USAGE, "'%s' exists; use -f to overwrite it", pub_path);
        if (access(sec_path, F_OK) == 0)
            fe_die(FE_EXIT_USAGE, "'%s' exists; use -f to overwrite it", sec_path);
    }

    if (!unencrypted) {
        rc = fe_pass_get(pass_file, "Passphrase for the new key: ", 1, &pw);
        if (rc) return rc;
        if (pw.len == 0) {
            fe_pass_free(&pw);
            fe_die(FE_EXIT_USAGE, "empty passphrase; use -W for a key without one");
        }
    }
    rc = rpt_seckey_generate(&sk);
    if (rc == RPT_OK)
        rc = rpt_seckey_save(sk, pub_path, sec_path, unencrypted ? NULL : pw.p,
                             pw.len, comment, force, err, sizeof err);
    fe_pass_free(&pw);
    if (rc != RPT_OK) {
        rpt_seckey_free(sk);
        if (rc == RPT_E_EXISTS)
            fe_die(FE_EXIT_USAGE, "%s; use -f to overwrite", *err ? err : rpt_strerror(rc));
        fe_die(fe_exit_status(rc), "cannot write the key pair: %s",
               *err ? err : rpt_strerror(rc));
    }
    rpt_seckey_public(sk, &pk);
    rpt_seckey_free(sk);
    rpt_key_id_hex(pk.id, hex);
    raw[0] = 'E';
    raw[1] = 'd';
    memcpy(raw + 2, pk.id, RPT_KEY_ID_BYTES);
    memcpy(raw + 2 + RPT_KEY_ID_BYTES, pk.pk, RPT_PUBLIC_KEY_BYTES);
    sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
    if (!quiet) {
        printf("key id %s\n", hex);
        printf("public key %s\n", b64);
        printf("The secret key is in %s%s; share %s.\n", sec_path,
               unencrypted ? " (not encrypted)" : "", pub_path);
    }
    return FE_EXIT_OK;
}
