package io.github.llmquota.attempt;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import org.springframework.lang.Nullable;

/**
 * What a provider request body says about the call's cost: the model, the most output it
 * may produce and the text of its prompt. Read once per call, never per attempt.
 */
final class AttemptRequest {

	private static final ObjectMapper mapper = JsonMapper.builder().build();

	private static final List<String> MAX_OUTPUT_MEMBERS = List.of("max_tokens", "max_completion_tokens",
			"max_output_tokens");

	// The members that hold what the model reads: Anthropic's system, messages and tools,
	// OpenAI's messages, tools, input, instructions and legacy prompt.
	private static final List<String> PROMPT_MEMBERS = List.of("system", "messages", "tools", "input", "instructions",
			"prompt", "functions");

	// Base64 payloads and links are not read as text: an image is billed by its size in
	// pixels, not by the length of its encoding. Block types and roles are markup.
	private static final Set<String> NOT_TEXT = Set.of("data", "url", "image_url", "file_data", "file_id", "image",
			"source", "type", "role", "cache_control", "id", "tool_use_id", "tool_call_id");

	private final String model;

	private final long maxOutputTokens;

	private final List<String> promptText;

	private AttemptRequest(String model, long maxOutputTokens, List<String> promptText) {
		this.model = model;
		this.maxOutputTokens = maxOutputTokens;
		this.promptText = promptText;
	}

	/**
	 * Read a request body.
	 * @param body the body, may be {@code null}
	 * @param defaultMaxOutputTokens what to reserve for output when the body names no
	 * limit
	 * @return the request, or {@code null} when the body is no JSON object naming a
	 * model: such a request (listing models, uploading a file) is not a model call
	 */
	@Nullable
	static AttemptRequest read(@Nullable byte[] body, long defaultMaxOutputTokens) {
		if (body == null || body.length == 0) {
			return null;
		}
		JsonNode root;
		try {
			root = mapper.readTree(body);
		}
		catch (IOException ex) {
			return null;
		}
		if (root == null || !root.isObject() || !root.path("model").isTextual()
				|| root.path("model").asText().isBlank()) {
			return null;
		}
		long maxOutputTokens = defaultMaxOutputTokens;
		for (String member : MAX_OUTPUT_MEMBERS) {
			JsonNode value = root.path(member);
			if (value.isIntegralNumber() && value.canConvertToLong() && value.asLong() >= 0) {
				maxOutputTokens = value.asLong();
				break;
			}
		}
		List<String> text = new ArrayList<>();
		for (String member : PROMPT_MEMBERS) {
			collectText(root.path(member), text);
		}
		return new AttemptRequest(root.path("model").asText(), maxOutputTokens, text);
	}

	private static void collectText(JsonNode node, List<String> text) {
		if (node.isTextual()) {
			text.add(node.asText());
		}
		else if (node.isArray()) {
			node.forEach((element) -> collectText(element, text));
		}
		else if (node.isObject()) {
			Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
			while (fields.hasNext()) {
				Map.Entry<String, JsonNode> field = fields.next();
				if (!NOT_TEXT.contains(field.getKey())) {
					collectText(field.getValue(), text);
				}
			}
		}
	}

	String model() {
		return this.model;
	}

	long maxOutputTokens() {
		return this.maxOutputTokens;
	}

	List<String> promptText() {
		return this.promptText;
	}

}
