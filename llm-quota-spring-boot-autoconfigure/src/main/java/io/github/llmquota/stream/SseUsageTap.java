package io.github.llmquota.stream;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.usage.JsonUsageExtractor;

import org.springframework.lang.Nullable;

/**
 * Reads a provider's server-sent event stream as its bytes pass to the caller, and feeds
 * a {@link StreamMeter}: the text of each delta, the output the provider reports along
 * the way, and the final usage. Two shapes are read:
 * <ul>
 * <li>Anthropic Messages: {@code message_start} (the input usage),
 * {@code content_block_delta} (text, thinking or tool input) and {@code message_delta}
 * (the output so far, and the usage once the message is complete);</li>
 * <li>OpenAI Chat Completions: {@code choices[].delta.content} and, with
 * {@code stream_options.include_usage}, the last chunk's {@code usage}.</li>
 * </ul>
 * An event that is no JSON, or of another shape, is skipped: it never fails the stream it
 * is read from. A line longer than 1 MiB is skipped too, so a garbled stream cannot grow
 * the buffer without bound. Not thread-safe: one stream, read by one thread at a time.
 */
public final class SseUsageTap {

	private static final int MAX_LINE = 1 << 20;

	private static final ObjectMapper MAPPER = new ObjectMapper();

	private static final JsonUsageExtractor USAGE = new JsonUsageExtractor();

	private final StreamMeter meter;

	private final ByteArrayOutputStream line = new ByteArrayOutputStream();

	private boolean lineTooLong;

	@Nullable
	private JsonNode startUsage;

	@Nullable
	private TokenUsage finalUsage;

	private boolean finished;

	private boolean sawEvents;

	/**
	 * Create a tap that feeds a meter.
	 * @param meter the stream's meter
	 */
	public SseUsageTap(StreamMeter meter) {
		this.meter = meter;
	}

	/**
	 * Read bytes of the stream, as they pass to the caller.
	 * @param bytes the buffer
	 * @param offset where the bytes start
	 * @param length how many there are
	 */
	public void accept(byte[] bytes, int offset, int length) {
		for (int i = offset; i < offset + length; i++) {
			accept(bytes[i]);
		}
	}

	/**
	 * Return a stream that passes every byte read from {@code in} to this tap.
	 * @param in the event stream's body
	 * @return the body, tapped
	 */
	public InputStream tapping(InputStream in) {
		return new FilterInputStream(in) {

			@Override
			public int read() throws IOException {
				int b = super.read();
				if (b >= 0) {
					accept(b);
				}
				return b;
			}

			@Override
			public int read(byte[] buffer, int offset, int length) throws IOException {
				int read = super.read(buffer, offset, length);
				if (read > 0) {
					accept(buffer, offset, read);
				}
				return read;
			}

		};
	}

	/**
	 * Read one byte of the stream.
	 * @param b the byte
	 */
	public void accept(int b) {
		if (b == '\n') {
			if (!this.lineTooLong) {
				line(this.line.toString(StandardCharsets.UTF_8));
			}
			this.line.reset();
			this.lineTooLong = false;
		}
		else if (this.line.size() < MAX_LINE) {
			this.line.write(b);
		}
		else {
			this.lineTooLong = true;
		}
	}

	/**
	 * Whether any event of a known shape was read: a stream that passed none to this tap
	 * is settled some other way.
	 * @return whether events were read
	 */
	public boolean sawEvents() {
		return this.sawEvents;
	}

	/**
	 * Return the usage the stream reported at its end.
	 * @return the final usage, or {@code null} when none arrived (yet)
	 */
	@Nullable
	public TokenUsage finalUsage() {
		return this.finalUsage;
	}

	/**
	 * End the stream's lease, once: with its final usage when it arrived, otherwise (a
	 * cancelled or broken stream) with the input the stream reported or the request
	 * estimated, and the output received so far. Later calls do nothing.
	 * @param feedback the response's headers
	 */
	public void finish(ProviderFeedback feedback) {
		if (this.finished) {
			return;
		}
		this.finished = true;
		TokenUsage usage = this.finalUsage;
		if (usage == null && this.startUsage != null) {
			usage = USAGE.extract(this.startUsage)
				.map((start) -> new TokenUsage(start.inputTokens(), start.cacheCreationInputTokens(),
						start.cacheReadInputTokens(), this.meter.outputTokens()))
				.orElse(null);
		}
		if (usage != null) {
			this.meter.complete(usage, feedback);
		}
		else {
			this.meter.cancel();
		}
	}

	private void line(String line) {
		if (!line.startsWith("data:")) {
			return;
		}
		String data = line.substring(5).trim();
		if (data.isEmpty() || data.charAt(0) != '{') {
			return;
		}
		JsonNode event;
		try {
			event = MAPPER.readTree(data);
		}
		catch (IOException ex) {
			return;
		}
		if (event == null || !event.isObject()) {
			return;
		}
		this.sawEvents = true;
		String type = event.path("type").asText("");
		switch (type) {
			case "message_start" -> {
				JsonNode usage = event.path("message").path("usage");
				if (usage.isObject()) {
					this.startUsage = usage;
				}
				this.meter.alive();
			}
			case "content_block_delta" -> {
				JsonNode delta = event.path("delta");
				this.meter.text(delta.path("text").asText("") + delta.path("thinking").asText("")
						+ delta.path("partial_json").asText(""));
			}
			case "message_delta" -> messageDelta(event.path("usage"));
			case "" -> openAiChunk(event);
			default -> this.meter.alive();
		}
	}

	private void messageDelta(JsonNode usage) {
		JsonNode output = usage.path("output_tokens");
		if (!output.isIntegralNumber()) {
			this.meter.alive();
			return;
		}
		this.meter.reportedOutput(output.asLong());
		// The delta's usage is cumulative; newer API versions repeat the input in it.
		JsonNode whole = (this.startUsage != null) ? this.startUsage.deepCopy() : MAPPER.createObjectNode();
		usage.fields().forEachRemaining((field) -> ((ObjectNode) whole).set(field.getKey(), field.getValue()));
		this.finalUsage = USAGE.extract(whole).orElse(this.finalUsage);
	}

	private void openAiChunk(JsonNode chunk) {
		StringBuilder text = new StringBuilder();
		for (JsonNode choice : chunk.path("choices")) {
			text.append(choice.path("delta").path("content").asText(""));
		}
		this.meter.text(text);
		JsonNode usage = chunk.path("usage");
		if (usage.isObject()) {
			USAGE.extract(usage).ifPresent((reported) -> {
				this.meter.reportedOutput(reported.outputTokens());
				this.finalUsage = reported;
			});
		}
	}

}
