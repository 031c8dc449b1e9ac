/* llmbm: the inference engine of llm-baremetal as a Linux command. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out) {
    fputs("usage: llmbm COMMAND MODEL [options]\n"
          "\n"
          "commands:\n"
          "  run MODEL [-z TOKENIZER] [-t TEMP] [-p TOPP] [-s SEED] [-n STEPS] [-i PROMPT] [-T THREADS]\n"
          "            [--top-k K] [--min-p P] [--repeat-penalty R] [--repeat-last-n N] [--print-ids]\n"
          "      generate text like llama2.c run (defaults -t 1.0 -p 0.9 -n 256; steps include the prompt;\n"
          "      -n 0 means the model's seq_len; -s 0 seeds from the clock; tokenizer defaults to ./tokenizer.bin)\n"
          "  info MODEL                          format, hyperparameters, tensors, memory\n"
          "  tokenize MODEL [-z TOKENIZER] TEXT  token ids (no BOS), space separated\n"
          "  bench MODEL [-n TOKENS] [-T THREADS] decode speed in tokens/s\n"
          "  logits MODEL TOKEN_ID...            logits at every position (debugging, tests)\n",
          out);
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
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
