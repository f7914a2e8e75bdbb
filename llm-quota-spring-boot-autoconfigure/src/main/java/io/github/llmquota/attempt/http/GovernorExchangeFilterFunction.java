package io.github.llmquota.attempt.http;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import io.github.llmquota.attempt.AttemptGovernor;
import io.github.llmquota.attempt.LlmCallContext;
import io.github.llmquota.attempt.ProviderReply;
import io.github.llmquota.attempt.ProviderRequest;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.stream.SseUsageTap;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserter;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.client.ExchangeStrategies;

/**
 * Puts every request of a {@code WebClient} to a provider through the
 * {@link AttemptGovernor}: each attempt is admitted before it is sent, a 429 or 529 is
 * waited out and sent again rather than handed back, and an answer no wait can fix
 * (exhausted quota, request larger than a limit) fails the exchange with a
 * {@link NonRetryableQuotaException}. Requests to other hosts pass through untouched. The
 * wait blocks no thread, an event-loop thread least of all. Auto-configured for the
 * builders Spring Boot provides; for a client built by hand: <pre class="code">
 * WebClient client = WebClient.builder().baseUrl("https://api.openai.com").filter(governorFilter).build();
 * </pre> The call context is read from the subscriber's Reactor {@code Context} under
 * {@link LlmCallContext#REACTOR_CONTEXT_KEY}, else from the subscribing thread. The
 * request body is written once into memory, with the default codecs, so that the governor
 * can read it and every attempt can send the same bytes.
 * <p>
 * Thread-safe. A successful streaming response ({@code text/event-stream}) is handed back
 * unread, charged as its events pass (on a thread of Reactor's {@code boundedElastic}
 * scheduler, never the event loop), and settles when its body completes, fails or is
 * cancelled; every other response is buffered.
 */
public class GovernorExchangeFilterFunction implements ExchangeFilterFunction {

	private static final ExchangeStrategies strategies = ExchangeStrategies.withDefaults();

	private final AttemptGovernor governor;

	private final ProviderBaseUrls baseUrls;

	/**
	 * Create a filter.
	 * @param governor the governor
	 * @param baseUrls the provider base URLs whose requests are governed
	 */
	public GovernorExchangeFilterFunction(AttemptGovernor governor, ProviderBaseUrls baseUrls) {
		this.governor = Objects.requireNonNull(governor, "'governor' must not be null");
		this.baseUrls = Objects.requireNonNull(baseUrls, "'baseUrls' must not be null");
	}

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		if (!this.baseUrls.matches(request.url())) {
			return next.exchange(request);
		}
		return Mono.deferContextual((view) -> {
			LlmCallContext context = view.getOrDefault(LlmCallContext.REACTOR_CONTEXT_KEY, LlmCallContext.current());
			return bodyOf(request).defaultIfEmpty(new byte[0]).flatMap((body) -> {
				ClientRequest replayable = ClientRequest.from(request).body(BodyInserters.fromValue(body)).build();
				ProviderRequest providerRequest = new ProviderRequest(request.method().name(), request.url(),
						request.headers(), body);
				return Mono.fromFuture(
						() -> this.governor.exchangeAsync(providerRequest, context, () -> attempt(next, replayable)),
						false);
			});
		});
	}

	private static CompletableFuture<ProviderReply<ClientResponse>> attempt(ExchangeFunction next,
			ClientRequest request) {
		return next.exchange(request).flatMap(GovernorExchangeFilterFunction::reply).toFuture();
	}

	private static Mono<ProviderReply<ClientResponse>> reply(ClientResponse response) {
		if (response.statusCode().is2xxSuccessful()
				&& ProviderReply.isEventStream(response.headers().asHttpHeaders())) {
			return Mono.just(new Reply(response, null));
		}
		return DataBufferUtils.join(response.body((message, ignored) -> message.getBody())).map((buffer) -> {
			byte[] bytes = new byte[buffer.readableByteCount()];
			buffer.read(bytes);
			DataBufferUtils.release(buffer);
			return bytes;
		}).defaultIfEmpty(new byte[0]).map((bytes) -> new Reply(response, bytes));
	}

	/**
	 * Write a request's body into memory, as the connector would write it on the wire.
	 */
	private static Mono<byte[]> bodyOf(ClientRequest request) {
		CapturingRequest capture = new CapturingRequest(request);
		BodyInserter.Context context = new BodyInserter.Context() {

			@Override
			public List<HttpMessageWriter<?>> messageWriters() {
				return strategies.messageWriters();
			}

			@Override
			public Optional<ServerHttpRequest> serverRequest() {
				return Optional.empty();
			}

			@Override
			public Map<String, Object> hints() {
				return Map.of();
			}

		};
		return request.body().insert(capture, context).then(Mono.fromSupplier(capture::bytes));
	}

	private record Reply(ClientResponse original, byte[] body) implements ProviderReply<ClientResponse> {

		@Override
		public int status() {
			return this.original.statusCode().value();
		}

		@Override
		public Map<String, List<String>> headers() {
			return this.original.headers().asHttpHeaders();
		}

		@Override
		public ClientResponse response() {
			// Replaced through a function: the builder's Flux variant releases the old
			// body by subscribing to it, which fails once the body has been read.
			return this.original.mutate()
				.body((read) -> Flux.defer(() -> Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(this.body))))
				.build();
		}

		@Override
		public ClientResponse streamed(Runnable onClose) {
			return this.original.mutate().body((body) -> body.doFinally((signal) -> onClose.run())).build();
		}

		@Override
		public ClientResponse streamed(SseUsageTap tap, Runnable onClose) {
			// The tap charges the store as it reads, which must not block the event
			// loop: it is fed copies of the bytes, in order, on a worker of its own, and
			// the stream ends there too, after its last bytes.
			Scheduler.Worker worker = Schedulers.boundedElastic().createWorker();
			return this.original.mutate().body((body) -> body.doOnNext((buffer) -> {
				byte[] bytes = new byte[buffer.readableByteCount()];
				buffer.toByteBuffer(buffer.readPosition(), ByteBuffer.wrap(bytes), 0, bytes.length);
				worker.schedule(() -> tap.accept(bytes, 0, bytes.length));
			}).doFinally((signal) -> worker.schedule(() -> {
				try {
					onClose.run();
				}
				finally {
					worker.dispose();
				}
			}))).build();
		}

		@Override
		public ClientResponse nonRetryable(NonRetryableQuotaException exception) {
			throw exception;
		}

		@Override
		public void discard() {
			// A buffered body was read to its end, which released it, and a client
			// response body can be consumed only once: only an unread stream is left to
			// release.
			if (this.body == null) {
				this.original.releaseBody().subscribe();
			}
		}

	}

	/**
	 * A request that keeps what a body inserter writes.
	 */
	private static final class CapturingRequest implements ClientHttpRequest {

		private final ClientRequest request;

		private final HttpHeaders headers = new HttpHeaders();

		private volatile byte[] bytes;

		CapturingRequest(ClientRequest request) {
			this.request = request;
			this.headers.putAll(request.headers());
		}

		byte[] bytes() {
			return this.bytes;
		}

		@Override
		public HttpMethod getMethod() {
			return this.request.method();
		}

		@Override
		public URI getURI() {
			return this.request.url();
		}

		@Override
		public MultiValueMap<String, HttpCookie> getCookies() {
			return new LinkedMultiValueMap<>();
		}

		@Override
		public Map<String, Object> getAttributes() {
			return this.request.attributes();
		}

		@Override
		public <T> T getNativeRequest() {
			throw new UnsupportedOperationException("A captured request has no native request");
		}

		@Override
		public DataBufferFactory bufferFactory() {
			return DefaultDataBufferFactory.sharedInstance;
		}

		@Override
		public void beforeCommit(Supplier<? extends Mono<Void>> action) {
		}

		@Override
		public boolean isCommitted() {
			return false;
		}

		@Override
		public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
			return DataBufferUtils.join(Flux.from(body)).doOnNext((buffer) -> {
				byte[] content = new byte[buffer.readableByteCount()];
				buffer.read(content);
				DataBufferUtils.release(buffer);
				this.bytes = content;
			}).then();
		}

		@Override
		public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
			return writeWith(Flux.from(body).flatMap((part) -> part));
		}

		@Override
		public Mono<Void> setComplete() {
			return Mono.empty();
		}

		@Override
		public HttpHeaders getHeaders() {
			return this.headers;
		}

	}

}
