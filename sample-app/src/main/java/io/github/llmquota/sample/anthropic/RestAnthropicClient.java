package io.github.llmquota.sample.anthropic;

import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;
import org.springframework.web.client.RestClientResponseException;

/**
 * The {@code rest-client} {@link AnthropicClient}: Anthropic's Messages API, or any
 * server that speaks it, on Spring's {@code RestClient}. It does not retry: a 429 or any
 * other error answer propagates as Spring's {@link RestClientResponseException} (a 429 as
 * {@link org.springframework.web.client.HttpClientErrorException.TooManyRequests}), with
 * the status, headers and body that llm-quota reads its feedback from. Thread-safe.
 */
public class RestAnthropicClient implements AnthropicClient {

	private final RestClient restClient;

	private final String baseUrl;

	/**
	 * Create a client.
	 * @param restClient a client with the provider's base URL and authentication headers
	 * @param baseUrl the base URL it calls, for messages
	 */
	public RestAnthropicClient(RestClient restClient, String baseUrl) {
		this.restClient = restClient;
		this.baseUrl = baseUrl;
	}

	/**
	 * {@inheritDoc}
	 * @throws RestClientResponseException for an answer outside 2xx
	 * @throws RestClientException when no answer could be read, or it had no body
	 */
	@Override
	public ResponseEntity<Answer> createMessage(MessageRequest request) {
		ResponseEntity<MessageResponse> response = this.restClient.post()
			.uri("/v1/messages")
			.body(request)
			.retrieve()
			.toEntity(MessageResponse.class);
		MessageResponse body = response.getBody();
		if (body == null) {
			throw new RestClientException("The provider answered " + response.getStatusCode() + " without a body");
		}
		return new ResponseEntity<>(new Answer(request.model(), body), response.getHeaders(), response.getStatusCode());
	}

	@Override
	public String baseUrl() {
		return this.baseUrl;
	}

}
