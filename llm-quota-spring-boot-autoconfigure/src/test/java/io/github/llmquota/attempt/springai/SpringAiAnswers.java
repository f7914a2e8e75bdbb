package io.github.llmquota.attempt.springai;

import java.util.Map;

import io.github.llmquota.test.ProviderStub.Answer;

/**
 * Provider answers in the shape Spring AI's Anthropic and OpenAI chat models parse, for
 * the {@link io.github.llmquota.test.ProviderStub}.
 */
final class SpringAiAnswers {

	private static final Map<String, String> JSON = Map.of("content-type", "application/json");

	private SpringAiAnswers() {
	}

	static Answer anthropicMessage(String text) {
		return new Answer(200, JSON, """
				{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5",
				"content":[{"type":"text","text":"%s"}],"stop_reason":"end_turn","stop_sequence":null,
				"usage":{"input_tokens":12,"output_tokens":5}}""".formatted(text));
	}

	static Answer anthropicStream(String text) {
		return new Answer(200, Map.of("content-type", "text/event-stream"), """
				event: message_start
				data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant",\
				"model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,\
				"usage":{"input_tokens":12,"output_tokens":1}}}

				event: content_block_start
				data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

				event: content_block_delta
				data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"%s"}}

				event: content_block_stop
				data: {"type":"content_block_stop","index":0}

				event: message_delta
				data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},\
				"usage":{"output_tokens":5}}

				event: message_stop
				data: {"type":"message_stop"}

				""".formatted(text));
	}

	static Answer anthropicToolUse(String tool, String inputJson) {
		return new Answer(200, JSON, """
				{"id":"msg_0","type":"message","role":"assistant","model":"claude-sonnet-4-5",
				"content":[{"type":"tool_use","id":"toolu_1","name":"%s","input":%s}],"stop_reason":"tool_use",
				"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":5}}""".formatted(tool, inputJson));
	}

	static Answer anthropicToolUseStream(String tool, String inputJson) {
		return new Answer(200, Map.of("content-type", "text/event-stream"), """
				event: message_start
				data: {"type":"message_start","message":{"id":"msg_0","type":"message","role":"assistant",\
				"model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,\
				"usage":{"input_tokens":12,"output_tokens":1}}}

				event: content_block_start
				data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1",\
				"name":"%s","input":{}}}

				event: content_block_delta
				data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta",\
				"partial_json":%s}}

				event: content_block_stop
				data: {"type":"content_block_stop","index":0}

				event: message_delta
				data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},\
				"usage":{"output_tokens":5}}

				event: message_stop
				data: {"type":"message_stop"}

				""".formatted(tool, quoted(inputJson)));
	}

	private static String quoted(String json) {
		return "\"" + json.replace("\"", "\\\"") + "\"";
	}

	static Answer anthropicSpendCap() {
		return new Answer(429, JSON, """
				{"type":"error","error":{"type":"rate_limit_error","message":"You have reached your specified \
				workspace API usage limits.","details":{"error_code":"enforced_spend_limit_reached"}}}""");
	}

	static Answer openAiCompletion(String text) {
		return new Answer(200, JSON, """
				{"id":"chatcmpl-1","object":"chat.completion","created":1765000000,"model":"gpt-4o-mini",
				"choices":[{"index":0,"message":{"role":"assistant","content":"%s"},"finish_reason":"stop"}],
				"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}""".formatted(text));
	}

	static Answer openAiStream(String text) {
		String chunk = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1765000000,"
				+ "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,";
		return new Answer(200, Map.of("content-type", "text/event-stream"),
				chunk + "\"delta\":{\"role\":\"assistant\",\"content\":\"" + text + "\"},\"finish_reason\":null}]}\n\n"
						+ chunk + "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n" + "data: [DONE]\n\n");
	}

	static Answer openAiRateLimited() {
		return new Answer(429, Map.of("content-type", "application/json", "retry-after-ms", "200"), """
				{"error":{"message":"Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, \
				Used 3, Requested 1. Please try again in 200ms.","type":"requests","param":null,\
				"code":"rate_limit_exceeded"}}""");
	}

}
