package io.github.llmquota.sample.chat;

/**
 * The answer of {@code POST /chat}.
 *
 * @param text the model's answer
 * @param model the model that answered: the chat's model, or a fallback
 */
public record ChatAnswer(String text, String model) {

}
