/* llmbm: the inference engine of llm-baremetal as a Linux command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "isa.h"
#include "transformer.h"

static void usage(FILE *out)
{
    fputs("usage: llmbm COMMAND [MODEL] [options]\n"
          "\n"
          "commands:\n"
          "  run MODEL [-z TOKENIZER] [-t TEMP] [-p TOPP] [-s SEED] [-n STEPS] [-i PROMPT] [-T THREADS]\n"
          "            [--top-k K] [--min-p P] [--repeat-penalty R] [--repeat-last-n N] [--print-ids]\n"
          "      generate text like llama2.c run (defaults -t 1.0 -p 0.9 -n 256; steps include the prompt;\n"
          "      -n 0 means the model's seq_len; -s 0 seeds from the clock; tokenizer defaults to ./tokenizer.bin;\n"
          "      -T 0, the default, uses every online CPU; output is the same for any -T)\n"
          "      --chat [--template NAME] [--system TEXT] [--max-tokens N] [--think show|hide|off]: -i is one\n"
          "      chat turn, rendered and answered by the REPL's chat code (NAME.tpl beside the model, else its\n"
          "      family's template); stdout gets the answer only; --print-ids lists the conversation's tokens\n"
          "      on stderr\n"
          "  info MODEL                          format, hyperparameters, tensors, memory\n"
          "  tokenize MODEL [-z TOKENIZER] TEXT  token ids (no BOS), space separated\n"
          "  bench MODEL [-p 128,512] [-n 64] [-T 1,2] [-b BATCH] [-r REPEAT] [--json]\n"
          "                                      prompt (ppN) and decode (tgN) tokens/s, GB/s, % of read bandwidth\n"
          "  logits [-b N] MODEL TOKEN_ID...     logits at every position, N tokens per pass (debugging, tests)\n"
          "  perplexity MODEL -f TEXT [-c CTX] [-b BATCH] [-T THREADS] [--chunks N] [-z TOKENIZER]\n"
          "             [--save-logits FILE] [--kl-base FILE]\n"
          "      perplexity of TEXT in chunks of CTX tokens (default 512), each scored on its second half;\n"
          "      --save-logits writes every scored position's log-probabilities; --kl-base FILE scores the\n"
          "      tokens saved in FILE (no -f) and prints KL divergence, Δp and top-1 statistics against it.\n"
          "      -b BATCH tokens per forward pass (default 32; every batch size gives the same bits)\n"
          "  repl [DIR] [-m MODEL] [-T THREADS] [--memory MB]\n"
          "      the firmware's chat REPL with DIR (default .) as the boot volume: its repl.cfg, models,\n"
          "      /load ...; -m loads MODEL from anywhere; --memory caps the memory budget; with stdin not\n"
          "      a terminal its lines are typed input and the end of input ends the session\n"
          "\n"
          "every command takes --isa LEVEL: auto (the default) times each kernel level the CPU has on the\n"
          "model and uses the fastest; scalar, sse2, avx2, ... force one. stderr says which (Kernels: ...)\n"
          "and --kv-type auto|f32|f16|q8_0: the KV cache's element type (auto: f16 for GGUF models, f32\n"
          "for llama2.c checkpoints, which keeps them token-exact with run.c)\n"
          "MODEL is a llama2.c .bin (tokenizer from -z) or a GGUF file (tokenizer inside)\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    /* The command line as given, for `llmbm repl`'s /reboot. */
    char **full_argv = calloc((size_t)argc + 1, sizeof *full_argv);
    if (!full_argv) {
        cli_error("out of memory");
        return CLI_ERROR;
    }
    memcpy(full_argv, argv, (size_t)argc * sizeof *argv);
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
        if (!strcmp(argv[i], "--kv-type")) {
            if (i + 1 >= argc || llmbm_kv_type_parse(argv[i + 1], &cli_kv_type)) {
                cli_error("option --kv-type needs auto, f32, f16 or q8_0");
                return CLI_USAGE;
            }
            i++;
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
    if (!strcmp(cmd, "perplexity")) return cmd_perplexity(argc - 2, argv + 2);
    if (!strcmp(cmd, "repl")) return cmd_repl(argc - 2, argv + 2, full_argv);
    cli_error("unknown command '%s'", cmd);
    usage(stderr);
    return CLI_USAGE;
}
