package io.github.llmquota.sample.load;

import java.util.concurrent.CompletableFuture;

import com.anthropic.core.RequestOptions;
import com.anthropic.core.http.HttpClient;
import com.anthropic.core.http.HttpRequest;
import com.anthropic.core.http.HttpResponse;
import com.anthropic.core.http.Interceptor;

/**
 * Counts every HTTP attempt of an SDK client in {@link ProviderTraffic}, as it goes on
 * the wire: the SDK applies interceptors to each attempt, its own retries included. Added
 * last, it sits innermost, below any interceptor that re-sends or withholds attempts, so
 * it counts what the provider sees. A 2xx answer is left for
 * {@link CountedAnthropicClient} to count with its usage. Thread-safe.
 */
final class TrafficInterceptor implements Interceptor {

	private final ProviderTraffic traffic;

	TrafficInterceptor(ProviderTraffic traffic) {
		this.traffic = traffic;
	}

	@Override
	public HttpClient intercept(HttpClient client) {
		return new HttpClient() {

			@Override
			public HttpResponse execute(HttpRequest request, RequestOptions options) {
				TrafficInterceptor.this.traffic.sent();
				HttpResponse response;
				try {
					response = client.execute(request, options);
				}
				catch (RuntimeException ex) {
					TrafficInterceptor.this.traffic.unanswered();
					throw ex;
				}
				return answered(response);
			}

			@Override
			public CompletableFuture<HttpResponse> executeAsync(HttpRequest request, RequestOptions options) {
				TrafficInterceptor.this.traffic.sent();
				return client.executeAsync(request, options).whenComplete((response, failure) -> {
					if (failure != null) {
						TrafficInterceptor.this.traffic.unanswered();
					}
				}).thenApply(TrafficInterceptor.this::answered);
			}

			@Override
			public void close() {
				client.close();
			}

		};
	}

	private HttpResponse answered(HttpResponse response) {
		int status = response.statusCode();
		if (status < 200 || status > 299) {
			this.traffic.answered(null, status, null);
		}
		return response;
	}

}
