package io.github.llmquota.sample.anthropic;

import org.springframework.http.ResponseEntity;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;
import org.springframework.web.client.RestClientResponseException;

/**
 * The {@code rest-client} {@link AnthropicClient}: Anthropic's Messages API, or any server
 * that speaks it, on Spring's {@code RestClient}. It does not retry: a 429 or any other error
 * answer propagates as Spring's {@link RestClientResponseException} (a 429 as
 * {@link org.springframework.web.client.HttpClientErrorException.TooManyRequests}), with the
 * status, headers and body that llm-quota reads its feedback from. Every HTTP attempt, the
 * attempt governor's re-sends included, is counted in {@link ProviderTraffic} by the
 * {@link TrafficRequestFactory} the client was built with; this class counts the usage of
 * the successful ones. Thread-safe.
 */
public class RestAnthropicClient implements AnthropicClient {

	private final RestClient restClient;

	private final ProviderTraffic traffic;

	private final String baseUrl;

	/**
	 * Create a client.
	 * @param restClient a client with the provider's base URL and authentication headers,
	 * whose request factory is a {@link TrafficRequestFactory} of {@code traffic}
	 * @param baseUrl the base URL it calls, for messages
	 * @param traffic where successful answers are counted
	 */
	public RestAnthropicClient(RestClient restClient, String baseUrl, ProviderTraffic traffic) {
		this.restClient = restClient;
		this.baseUrl = baseUrl;
		this.traffic = traffic;
	}

	/**
	 * {@inheritDoc}
	 * @throws RestClientResponseException for an answer outside 2xx
	 * @throws RestClientException when no answer could be read, or it had no body
	 */
	@Override
	public ResponseEntity<Answer> createMessage(MessageRequest request) {
		ResponseEntity<MessageResponse> response;
		try {
			response = this.restClient.post()
				.uri("/v1/messages")
				.body(request)
				.retrieve()
				.toEntity(MessageResponse.class);
		}
		catch (RestClientResponseException | ResourceAccessException ex) {
			// Counted attempt by attempt where it was sent: see TrafficRequestFactory.
			throw ex;
		}
		catch (RestClientException ex) {
			// A 2xx whose body could not be read.
			this.traffic.unanswered();
			throw ex;
		}
		MessageResponse body = response.getBody();
		if (body == null) {
			this.traffic.unanswered();
			throw new RestClientException("The provider answered " + response.getStatusCode() + " without a body");
		}
		this.traffic.answered(request.model(), response.getStatusCode().value(), body.usage());
		return new ResponseEntity<>(new Answer(request.model(), body), response.getHeaders(), response.getStatusCode());
	}

	@Override
	public String baseUrl() {
		return this.baseUrl;
	}

}
