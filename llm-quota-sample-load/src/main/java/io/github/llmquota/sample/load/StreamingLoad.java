package io.github.llmquota.sample.load;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.llmquota.attempt.LlmCallContext;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.RateLimit;
import io.github.llmquota.sample.anthropic.Answer;
import io.github.llmquota.sample.anthropic.Prompt;
import io.github.llmquota.sample.chat.ChatService;
import io.github.llmquota.sample.simulator.ProviderSimulator;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.lang.Nullable;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;

/**
 * Streamed calls in load mode ({@code sample.load.stream-rps}), and how closely the fleet
 * saw their output: each call is a raw Messages stream ({@code "stream": true}) at
 * INTERACTIVE priority through the governed {@code RestClient}, read to its end, which
 * llm-quota charges as its events pass. While the run lasts, a sampler reads, at the same
 * instants, the fleet's output in flight (the pool snapshot's {@code streamOutput}, as
 * the {@code llmquota} endpoint shows it) and the provider's (the simulator's own count
 * of what its open streams emitted); at the end one {@code STREAM-ACCURACY} line gives
 * the comparison ({@link StreamAccuracy}). Without the in-process simulator, streams are
 * sent and nothing is sampled.
 */
final class StreamingLoad {

	/**
	 * The prefix of the line that gives the accuracy of the fleet's view.
	 */
	static final String ACCURACY_PREFIX = "STREAM-ACCURACY ";

	private static final Log logger = LogFactory.getLog(StreamingLoad.class);

	private final RestClient client;

	private final ObjectMapper objectMapper;

	private final ProviderTraffic traffic;

	private final QuotaStore store;

	private final PoolSpec pool;

	@Nullable
	private final ProviderSimulator simulator;

	private final Duration sampleInterval;

	private final List<Long> fleet = new ArrayList<>();

	private final List<Long> provider = new ArrayList<>();

	StreamingLoad(RestClient client, ObjectMapper objectMapper, ProviderTraffic traffic, QuotaStore store,
			PoolSpec pool, @Nullable ProviderSimulator simulator, Duration sampleInterval) {
		this.client = client;
		this.objectMapper = objectMapper;
		this.traffic = traffic;
		this.store = store;
		this.pool = pool;
		this.simulator = simulator;
		this.sampleInterval = sampleInterval;
	}

	/**
	 * Send one streamed call and read its stream to the end.
	 * @param prompt the prompt
	 * @return an answer without a body: the stream was read
	 * @throws RestClientException if the provider answered an error, or the stream broke
	 */
	ResponseEntity<Answer> send(Prompt prompt) {
		byte[] body;
		try {
			ObjectNode request = this.objectMapper.valueToTree(prompt.toRequest(ChatService.MODEL));
			body = this.objectMapper.writeValueAsBytes(request.put("stream", true));
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException(ex);
		}
		return LlmCallContext.priority(Priority.INTERACTIVE)
			.build()
			.call(() -> this.client.post()
				.uri("/v1/messages")
				.contentType(MediaType.APPLICATION_JSON)
				.body(body)
				.exchange((request, response) -> {
					if (!response.getStatusCode().is2xxSuccessful()) {
						// Counted where it was sent.
						throw new RestClientException("The provider answered " + response.getStatusCode());
					}
					try (InputStream in = response.getBody()) {
						in.transferTo(OutputStream.nullOutputStream());
					}
					catch (IOException ex) {
						this.traffic.unanswered();
						throw ex;
					}
					this.traffic.answered(ChatService.MODEL, response.getStatusCode().value(), null);
					return ResponseEntity.ok(null);
				}));
	}

	/**
	 * Sample both views at the interval until {@code ticker} is shut down.
	 * @param ticker the run's scheduler
	 */
	void startSampling(ScheduledExecutorService ticker) {
		if (this.simulator == null) {
			return;
		}
		long period = this.sampleInterval.toNanos();
		ticker.scheduleAtFixedRate(this::sample, period, period, TimeUnit.NANOSECONDS);
	}

	private void sample() {
		try {
			long seen = this.store.snapshot(this.pool).streamOutput();
			long emitted = this.simulator.streamingOutput(ChatService.MODEL);
			synchronized (this) {
				this.fleet.add(seen);
				this.provider.add(emitted);
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Stream sample failed: " + ex);
		}
	}

	/**
	 * Return the accuracy of the fleet's view over the samples taken.
	 * @return the accuracy
	 */
	synchronized StreamAccuracy accuracy() {
		long limit = this.pool.rates()
			.stream()
			.filter((rate) -> rate.dimension() == Dimension.OUTPUT_TOKENS_PER_MINUTE)
			.mapToLong(RateLimit::limit)
			.findFirst()
			.orElseThrow(() -> new IllegalStateException(
					"Pool '" + this.pool.name() + "' has no output-tokens-per-minute limit to compare with"));
		return StreamAccuracy.of(this.fleet, this.provider, limit, this.sampleInterval);
	}

}
