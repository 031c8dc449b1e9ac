/* The chat templates the firmware knows, written from each model family's
 * published prompt format (the Jinja templates in the model cards). Marker
 * strings such as <|im_start|> are looked up in the vocabulary when a turn
 * is encoded (chat.c), so they become the model's special tokens where it
 * has them and plain text where it does not. */
#include "templates.h"

#include "text.h"

static const chat_template templates[] = {
    {
        .name = "llama2",
        .sys_pre = "[INST] <<SYS>>\n",
        .sys_post = "\n<</SYS>>\n\n",
        .sys_in_first_user = true,
        .user_pre = "[INST] ",
        .user_post = " [/INST]",
        .turn_end = "",
        .eos_bos_between_turns = true,
        .stops = { "[INST]", "</s>" },
    },
    {
        .name = "chatml",
        .sys_pre = "<|im_start|>system\n",
        .sys_post = "<|im_end|>\n",
        .user_pre = "<|im_start|>user\n",
        .user_post = "<|im_end|>\n<|im_start|>assistant\n",
        .turn_end = "<|im_end|>\n",
        .stops = { "<|im_end|>", "<|im_start|>" },
    },
    {
        .name = "zephyr",
        .sys_pre = "<|system|>\n",
        .sys_post = "</s>\n",
        .user_pre = "<|user|>\n",
        .user_post = "</s>\n<|assistant|>\n",
        .turn_end = "</s>\n",
        .stops = { "</s>", "<|user|>" },
    },
    {
        .name = "llama3",
        .sys_pre = "<|start_header_id|>system<|end_header_id|>\n\n",
        .sys_post = "<|eot_id|>",
        .user_pre = "<|start_header_id|>user<|end_header_id|>\n\n",
        .user_post = "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        .turn_end = "<|eot_id|>",
        .stops = { "<|eot_id|>", "<|start_header_id|>" },
    },
    {
        .name = "phi3",
        .sys_pre = "<|system|>\n",
        .sys_post = "<|end|>\n",
        .user_pre = "<|user|>\n",
        .user_post = "<|end|>\n<|assistant|>\n",
        .turn_end = "<|end|>\n",
        .stops = { "<|end|>", "<|user|>", "<|endoftext|>" },
    },
    {
        /* Gemma has no system role: the prompt opens the first user turn. */
        .name = "gemma",
        .sys_pre = "<start_of_turn>user\n",
        .sys_post = "\n\n",
        .sys_in_first_user = true,
        .user_pre = "<start_of_turn>user\n",
        .user_post = "<end_of_turn>\n<start_of_turn>model\n",
        .turn_end = "<end_of_turn>\n",
        .stops = { "<end_of_turn>", "<start_of_turn>" },
    },
};

const chat_template *template_find(const char *name)
{
    for (unsigned i = 0; i < sizeof templates / sizeof templates[0]; i++)
        if (txt_eq_nocase(name, templates[i].name))
            return &templates[i];
    return 0;
}
