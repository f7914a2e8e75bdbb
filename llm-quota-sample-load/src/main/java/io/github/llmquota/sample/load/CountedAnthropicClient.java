package io.github.llmquota.sample.load;

import com.anthropic.errors.AnthropicInvalidDataException;

import io.github.llmquota.sample.anthropic.Answer;
import io.github.llmquota.sample.anthropic.AnthropicClient;
import io.github.llmquota.sample.anthropic.MessageRequest;

import org.springframework.http.ResponseEntity;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClientException;
import org.springframework.web.client.RestClientResponseException;

/**
 * An {@link AnthropicClient} that counts in {@link ProviderTraffic} the successful
 * answers of the client it decorates, with their usage, and the 2xx answers whose body
 * could not be read. Every other outcome is counted attempt by attempt where it goes on
 * the wire, by a {@link TrafficRequestFactory} or a {@link TrafficInterceptor}: an answer
 * outside 2xx surfaces here only once, after the retries and re-sends that the wire saw.
 * Closing it closes the decorated client. Thread-safe.
 */
final class CountedAnthropicClient implements AnthropicClient, AutoCloseable {

	private final AnthropicClient client;

	private final ProviderTraffic traffic;

	CountedAnthropicClient(AnthropicClient client, ProviderTraffic traffic) {
		this.client = client;
		this.traffic = traffic;
	}

	@Override
	public ResponseEntity<Answer> createMessage(MessageRequest request) {
		ResponseEntity<Answer> response;
		try {
			response = this.client.createMessage(request);
		}
		catch (RestClientResponseException | ResourceAccessException ex) {
			// An answer outside 2xx, or none: counted where it was sent.
			throw ex;
		}
		catch (RestClientException | AnthropicInvalidDataException ex) {
			// A 2xx whose body could not be read, or had none.
			this.traffic.unanswered();
			throw ex;
		}
		Answer answer = response.getBody();
		this.traffic.answered(request.model(), response.getStatusCode().value(),
				(answer != null) ? answer.message().usage() : null);
		return response;
	}

	@Override
	public String baseUrl() {
		return this.client.baseUrl();
	}

	@Override
	public void close() throws Exception {
		if (this.client instanceof AutoCloseable closeable) {
			closeable.close();
		}
	}

}
