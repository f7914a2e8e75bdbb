package io.github.llmquota.redis;

import java.time.Duration;
import java.util.List;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Runs the quota script over Lettuce's asynchronous API, which gives each call a deadline
 * without a thread of its own: the caller waits on the reply's future for at most the
 * timeout, and Lettuce matches replies to commands on its shared connection, so a reply
 * that comes too late is dropped rather than handed to another call.
 */
final class LettuceScriptExecutor extends ScriptExecutor {

	private final LettuceConnectionFactory connectionFactory;

	LettuceScriptExecutor(LettuceConnectionFactory connectionFactory, String location, Duration timeout) {
		super(location, timeout);
		this.connectionFactory = connectionFactory;
	}

	@Override
	Object execute(List<String> keys, List<String> args) {
		byte[][] keyBytes = bytes(keys);
		byte[][] argBytes = bytes(args);
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			@SuppressWarnings("unchecked")
			RedisClusterAsyncCommands<byte[], byte[]> commands = (RedisClusterAsyncCommands<byte[], byte[]>) connection
				.getNativeConnection();
			try {
				return decode(await(commands.evalsha(this.sha1, ScriptOutputType.MULTI, keyBytes, argBytes)));
			}
			catch (RedisNoScriptException ex) {
				return decode(await(commands.eval(this.script, ScriptOutputType.MULTI, keyBytes, argBytes)));
			}
		}
	}

	@Override
	RuntimeException failure(Throwable cause) {
		if (cause instanceof RedisNoScriptException noScript) {
			return noScript;
		}
		if (cause instanceof RedisConnectionException) {
			return new RedisConnectionFailureException(cause.getMessage(), cause);
		}
		return new RedisSystemException(String.valueOf(cause.getMessage()), cause);
	}

}
