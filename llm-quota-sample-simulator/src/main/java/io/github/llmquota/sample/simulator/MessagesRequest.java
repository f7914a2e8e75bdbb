package io.github.llmquota.sample.simulator;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The parts of a Messages API request that the simulator acts on: the model, max_tokens
 * and the prompt as a sequence of content blocks in Anthropic's cache order (tools,
 * system, messages). Other fields are ignored.
 * <p>
 * Input tokens are estimated as {@code ceil(characters / 4)}, counting the text of text
 * blocks and string contents, and the compact JSON of every other block and tool
 * definition. A prefix of the prompt is identified by a hash chain over its blocks,
 * without their {@code cache_control} markers, so that a prefix is the same whichever
 * block carried the breakpoint. Not modified once read, so safe to share between threads.
 */
final class MessagesRequest {

	static final int CHARS_PER_TOKEN = 4;

	private final String model;

	private final long maxTokens;

	private final List<String> prefixKeys = new ArrayList<>();

	private final List<Long> prefixChars = new ArrayList<>();

	private final List<Integer> breakpoints = new ArrayList<>();

	private byte[] chain;

	private long chars;

	private MessagesRequest(String model, long maxTokens) {
		this.model = model;
		this.maxTokens = maxTokens;
		this.chain = sha256(model.getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * Read a request body.
	 * @param root the parsed body
	 * @return the request
	 * @throws IllegalArgumentException with a message for an
	 * {@code invalid_request_error} if a field the simulator needs is missing or
	 * malformed
	 */
	static MessagesRequest of(JsonNode root) {
		if (!root.isObject()) {
			throw new IllegalArgumentException("Request body must be a JSON object");
		}
		JsonNode model = root.path("model");
		if (!model.isTextual() || model.textValue().isEmpty()) {
			throw new IllegalArgumentException("model: Field required");
		}
		JsonNode maxTokens = root.path("max_tokens");
		if (!maxTokens.canConvertToExactIntegral() || maxTokens.asLong() < 1) {
			throw new IllegalArgumentException("max_tokens: Field required, a positive integer");
		}
		JsonNode messages = root.path("messages");
		if (!messages.isArray() || messages.isEmpty()) {
			throw new IllegalArgumentException("messages: Field required, a non-empty list");
		}
		MessagesRequest request = new MessagesRequest(model.textValue(), maxTokens.asLong());
		for (JsonNode tool : root.path("tools")) {
			request.addBlock("tool", tool);
		}
		request.addContent("system", root.path("system"));
		for (int i = 0; i < messages.size(); i++) {
			JsonNode message = messages.get(i);
			if (!message.path("role").isTextual()) {
				throw new IllegalArgumentException("messages." + i + ".role: Field required");
			}
			if (!message.path("content").isTextual() && !message.path("content").isArray()) {
				throw new IllegalArgumentException("messages." + i + ".content: Field required, a string or a list");
			}
			request.addContent("message " + i + " " + message.get("role").textValue(), message.get("content"));
		}
		return request;
	}

	private void addContent(String origin, JsonNode content) {
		if (content.isTextual()) {
			addBlock(origin, content);
		}
		for (JsonNode block : content) {
			addBlock(origin, block);
		}
	}

	private void addBlock(String origin, JsonNode block) {
		JsonNode withoutMarker = block;
		if (block.has("cache_control")) {
			this.breakpoints.add(this.prefixKeys.size());
			withoutMarker = ((ObjectNode) block).deepCopy().without("cache_control");
		}
		String canonical = withoutMarker.toString();
		this.chars += block.isTextual() ? block.textValue().length() : "text".equals(block.path("type").asText())
				? block.path("text").asText().length() : canonical.length();
		this.chain = sha256(concat(this.chain, (origin + "\n" + canonical).getBytes(StandardCharsets.UTF_8)));
		this.prefixKeys.add(Base64.getEncoder().encodeToString(this.chain));
		this.prefixChars.add(this.chars);
	}

	String model() {
		return this.model;
	}

	long maxTokens() {
		return this.maxTokens;
	}

	/**
	 * Return the estimated input tokens of the whole prompt, cached or not.
	 */
	long inputTokens() {
		return tokens(this.chars);
	}

	/**
	 * Return the indexes of the blocks that carry {@code cache_control}, in prompt order.
	 */
	List<Integer> breakpoints() {
		return this.breakpoints;
	}

	/**
	 * Return the key of the prompt prefix that ends with block {@code index}; it includes
	 * the model, because each model has its own cache.
	 */
	String prefixKey(int index) {
		return this.prefixKeys.get(index);
	}

	/**
	 * Return the estimated tokens of the prompt prefix that ends with block
	 * {@code index}.
	 */
	long prefixTokens(int index) {
		return tokens(this.prefixChars.get(index));
	}

	/**
	 * Return how many tokens the model would like to answer with: between 50 and 300,
	 * always the same for the same prompt.
	 */
	long answerTokens() {
		int hash = ByteBuffer.wrap(this.chain).getInt();
		return 50 + Math.floorMod(hash, 251);
	}

	private static long tokens(long chars) {
		return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
	}

	private static byte[] concat(byte[] first, byte[] second) {
		byte[] both = new byte[first.length + second.length];
		System.arraycopy(first, 0, both, 0, first.length);
		System.arraycopy(second, 0, both, first.length, second.length);
		return both;
	}

	private static byte[] sha256(byte[] bytes) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(bytes);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("Every Java platform must support SHA-256", ex);
		}
	}

}
