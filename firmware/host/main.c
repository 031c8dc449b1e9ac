/* llmbm: the inference engine of llm-baremetal as a Linux command. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "isa.h"

static void usage(FILE *out) {
    fputs("usage: llmbm COMMAND MODEL [options]\n"
          "\n"
          "commands:\n"
          "  run MODEL [-z TOKENIZER] [-t TEMP] [-p TOPP] [-s SEED] [-n STEPS] [-i PROMPT] [-T THREADS]\n"
          "            [--top-k K] [--min-p P] [--repeat-penalty R] [--repeat-last-n N] [--print-ids]\n"
          "      generate text like llama2.c run (defaults -t 1.0 -p 0.9 -n 256; steps include the prompt;\n"
          "      -n 0 means the model's seq_len; -s 0 seeds from the clock; tokenizer defaults to ./tokenizer.bin;\n"
          "      -T 0, the default, uses every online CPU; output is the same for any -T)\n"
          "  info MODEL                          format, hyperparameters, tensors, memory\n"
          "  tokenize MODEL [-z TOKENIZER] TEXT  token ids (no BOS), space separated\n"
          "  bench MODEL [-n TOKENS] [-T THREADS] decode speed in tokens/s\n"
          "  logits MODEL TOKEN_ID...            logits at every position (debugging, tests)\n"
          "\n"
          "every command takes --isa LEVEL: auto (the default) times each kernel level the CPU has on the\n"
          "model and uses the fastest; scalar, sse2, avx2, ... force one. stderr says which (Kernels: ...)\n"
          "MODEL is a llama2.c .bin (tokenizer from -z) or a GGUF file (tokenizer inside)\n",
          out);
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    /* --isa LEVEL applies to every command: take it out before dispatch. */
    int kept = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--isa")) {
            llmbm_err err;
            if (i + 1 >= argc) {
                cli_error("option --isa needs a value");
                return CLI_USAGE;
            }
            if (llmbm_isa_set(argv[++i], &err)) {
                cli_error("%s", err.msg);
                return CLI_USAGE;
            }
            continue;
        }
        argv[kept++] = argv[i];
    }
    argc = kept;
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "run")) return cmd_run(argc - 2, argv + 2);
    if (!strcmp(cmd, "info")) return cmd_info(argc - 2, argv + 2);
    if (!strcmp(cmd, "tokenize")) return cmd_tokenize(argc - 2, argv + 2);
    if (!strcmp(cmd, "bench")) return cmd_bench(argc - 2, argv + 2);
    if (!strcmp(cmd, "logits")) return cmd_logits(argc - 2, argv + 2);
    cli_error("unknown command '%s'", cmd);
    usage(stderr);
    return CLI_USAGE;
}
