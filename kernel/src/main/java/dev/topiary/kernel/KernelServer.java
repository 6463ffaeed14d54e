package dev.topiary.kernel;

import io.github.spencerpark.jupyter.channels.JupyterConnection;
import io.github.spencerpark.jupyter.channels.JupyterSocket;
import io.github.spencerpark.jupyter.channels.ShellChannel;
import io.github.spencerpark.jupyter.channels.ShellHandler;
import io.github.spencerpark.jupyter.channels.ShellReplyEnvironment;
import io.github.spencerpark.jupyter.kernel.KernelConnectionProperties;
import io.github.spencerpark.jupyter.messages.Header;
import io.github.spencerpark.jupyter.messages.Message;
import io.github.spencerpark.jupyter.messages.MessageContext;
import io.github.spencerpark.jupyter.messages.MessageType;
import io.github.spencerpark.jupyter.messages.comm.CommOpenCommand;
import io.github.spencerpark.jupyter.messages.request.CompleteRequest;
import io.github.spencerpark.jupyter.messages.request.ExecuteRequest;
import io.github.spencerpark.jupyter.messages.request.HistoryRequest;
import io.github.spencerpark.jupyter.messages.request.InspectRequest;
import io.github.spencerpark.jupyter.messages.request.IsCompleteRequest;
import io.github.spencerpark.jupyter.messages.request.ShutdownRequest;
import java.security.GeneralSecurityException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.zeromq.ZMQ;

/**
 * The Jupyter protocol side of the kernel: basekernel's sockets and message framing, with Topiary's own handler
 * for every request, each reply a {@link KernelReply} carrying its {@code status}. Shell requests run one at a time on the shell
 * thread; interrupt and shutdown arrive on the control channel's own thread, so they reach a busy cell.
 */
public final class KernelServer {

    static final String PROTOCOL_VERSION = "5.3";

    private final KernelConnection connection;
    private final JShellSession session;
    private final String version;
    private final AtomicInteger executionCount = new AtomicInteger();
    private final History history = new History();

    /** The sockets, with access to the shell channel so that queued requests can be aborted after an error. */
    private static final class KernelConnection extends JupyterConnection {
        KernelConnection(KernelConnectionProperties properties) throws GeneralSecurityException {
            super(properties);
        }

        ShellChannel shellChannel() {
            return shell;
        }
    }

    public KernelServer(KernelConnectionProperties properties, JShellSession session, String version)
            throws GeneralSecurityException {
        quietLibraryLogging(session);
        this.connection = new KernelConnection(properties);
        this.session = session;
        this.version = version;
        connection.setHandler(MessageType.KERNEL_INFO_REQUEST, (env, m) -> reply(env,
                new KernelReply.KernelInfo(version, Runtime.version().toString())));
        connection.setHandler(MessageType.EXECUTE_REQUEST, this::execute);
        connection.setHandler(MessageType.COMPLETE_REQUEST, this::complete);
        connection.setHandler(MessageType.INSPECT_REQUEST, this::inspect);
        connection.setHandler(MessageType.IS_COMPLETE_REQUEST, this::isComplete);
        connection.setHandler(MessageType.HISTORY_REQUEST, this::history);
        connection.setHandler(MessageType.COMM_INFO_REQUEST, (env, m) -> reply(env, new KernelReply.CommInfo()));
        connection.setHandler(MessageType.COMM_OPEN_COMMAND, this::refuseComm);
        connection.setHandler(MessageType.COMM_MSG_COMMAND, (env, m) -> { });
        connection.setHandler(MessageType.COMM_CLOSE_COMMAND, (env, m) -> { });
        connection.setHandler(MessageType.INTERRUPT_REQUEST, this::interrupt);
        connection.setHandler(MessageType.SHUTDOWN_REQUEST, this::shutdown);
        connection.setHandler(MessageType.UNKNOWN, (env, m) -> session.log().println(
                "topiary kernel: ignoring a request of a type it does not know"));
    }

    /** Binds the sockets, announces the kernel and serves until a shutdown request. */
    public void serve() {
        connection.connect();
        connection.waitUntilClose();
    }

    private static void quietLibraryLogging(JShellSession session) {
        Logger jupyter = JupyterSocket.JUPYTER_LOGGER; // the parent of every basekernel logger, held strongly
        jupyter.setUseParentHandlers(false);
        jupyter.setLevel(Level.WARNING);
        jupyter.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                session.log().println("jupyter: " + record.getLevel() + " " + record.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        });
    }

    private void execute(ShellReplyEnvironment env, Message<ExecuteRequest> message) {
        ExecuteRequest request = message.getContent();
        env.setBusyDeferIdle();
        boolean silent = request.isSilent();
        boolean store = request.shouldStoreHistory() && !silent;
        int count = store ? executionCount.incrementAndGet() : executionCount.get();
        IopubOutput output = new IopubOutput(env.getIopub(), message);
        if (!silent) {
            output.publish(MessageType.PUBLISH_EXECUTE_INPUT, Map.of("code", request.getCode(),
                    "execution_count", count));
        }
        CellResult result = session.execute(request.getCode(), store ? count : null, output);
        if (result.succeeded()) {
            if (result.value() != null && !silent) {
                Map<String, Object> content = IopubOutput.content(result.value(), null);
                content.remove("transient");
                content.put("execution_count", count);
                output.publish(MessageType.PUBLISH_EXECUTION_RESULT, content);
            }
            send(env, message, new KernelReply.ExecuteOk(count, userExpressions(request.getUserExpr(), message)));
        } else {
            output.publish(MessageType.PUBLISH_ERROR, KernelReply.ExecuteError.errorFields(result.error()));
            send(env, message, new KernelReply.ExecuteError(count, result.error()));
        }
        if (store) {
            history.add(count, request.getCode(), result.value() == null ? null : result.value().plain());
        }
        if (!result.succeeded() && request.shouldStopOnError()) {
            env.resolveDeferrals(); // this cell's idle first, then the aborted ones
            abortQueuedExecutions();
        }
    }

    /** Runs each user expression after the cell and returns its plain value or its error. */
    private Map<String, KernelReply.UserExpression> userExpressions(Map<String, String> expressions,
            Message<?> parent) {
        Map<String, KernelReply.UserExpression> results = new LinkedHashMap<>();
        if (expressions == null) {
            return results;
        }
        for (Map.Entry<String, String> e : expressions.entrySet()) {
            CellResult r = session.execute(e.getValue(), new IopubOutput(connection.getIOPub(), parent));
            results.put(e.getKey(), new KernelReply.UserExpression(r));
        }
        return results;
    }

    /**
     * After a failed cell with {@code stop_on_error}, the execute requests already waiting are answered "aborted"
     * rather than run, as Jupyter clients expect; other waiting requests are served as usual.
     */
    private void abortQueuedExecutions() {
        ShellChannel shell = connection.shellChannel();
        while ((shell.getEvents() & ZMQ.Poller.POLLIN) != 0) {
            Message<?> queued = shell.readMessage();
            if (queued == null) {
                return;
            }
            ShellReplyEnvironment env = connection.prepareReplyEnv(shell, queued);
            try {
                if (queued.getHeader().getType() == MessageType.EXECUTE_REQUEST) {
                    env.setBusyDeferIdle();
                    send(env, queued, new KernelReply.ExecuteAborted(executionCount.get()));
                } else {
                    @SuppressWarnings({"unchecked", "rawtypes"})
                    ShellHandler handler =
                            connection.getHandler((MessageType) queued.getHeader().getType());
                    if (handler != null) {
                        handler.handle(env, queued);
                    }
                }
            } catch (Exception e) {
                session.log().println("topiary kernel: could not answer a queued request: " + e);
            } finally {
                env.resolveDeferrals();
            }
        }
    }

    private void complete(ShellReplyEnvironment env, Message<CompleteRequest> message) {
        CompleteRequest request = message.getContent();
        String code = request.getCode();
        int cursor = CodePoints.toCharOffset(code, request.getCursorPos());
        JShellSession.Completions completions = session.complete(code, cursor);
        reply(env, new KernelReply.Complete(completions.matches(), CodePoints.toCodePointOffset(code,
                completions.start()), CodePoints.toCodePointOffset(code, completions.end())));
    }

    private void inspect(ShellReplyEnvironment env, Message<InspectRequest> message) {
        InspectRequest request = message.getContent();
        String code = request.getCode();
        String text = session.inspect(code, CodePoints.toCharOffset(code, request.getCursorPos()));
        reply(env, new KernelReply.Inspect(text));
    }

    private void isComplete(ShellReplyEnvironment env, Message<IsCompleteRequest> message) {
        reply(env, new KernelReply.IsComplete(session.completeness(message.getContent().getCode())));
    }

    private void history(ShellReplyEnvironment env, Message<HistoryRequest> message) {
        HistoryRequest request = message.getContent();
        List<History.Entry> entries = switch (request.getAccessType()) {
            case TAIL -> history.tail(((HistoryRequest.Tail) request).getMaxReturnLength());
            case RANGE -> {
                HistoryRequest.Range range = (HistoryRequest.Range) request;
                yield range.getSessionIndex() > 0 && range.getSessionIndex() != History.SESSION ? List.of()
                        : history.range(range.getStart(), range.getStop());
            }
            case SEARCH -> {
                HistoryRequest.Search search = (HistoryRequest.Search) request;
                yield history.search(search.getPattern(), search.getMaxReturnLength(), search.filterUnique());
            }
        };
        reply(env, new KernelReply.HistoryEntries(entries, request.includeOutput()));
    }

    /** Topiary offers no comm targets: a frontend that opens one is told it is closed. */
    private void refuseComm(ShellReplyEnvironment env, Message<CommOpenCommand> message) {
        String id = message.getContent().getCommID();
        if (id != null) {
            env.publish(IopubOutput.message(message, MessageType.COMM_CLOSE_COMMAND,
                    Map.of("comm_id", id, "data", Map.of())));
        }
    }

    private void interrupt(ShellReplyEnvironment env, Message<?> message) {
        session.interrupt();
        reply(env, new KernelReply.Interrupt());
    }

    private void shutdown(ShellReplyEnvironment env, Message<ShutdownRequest> message) {
        boolean restart = message.getContent().isRestart();
        reply(env, new KernelReply.Shutdown(restart));
        env.resolveDeferrals();
        env.markForShutdown();
    }

    /** Replies to {@code env}'s request with {@code reply}, between busy and idle. */
    private static void reply(ShellReplyEnvironment env, KernelReply reply) {
        env.setBusyDeferIdle();
        send(env, env.getContext(), reply);
    }

    /** Sends {@code reply} to {@code request}, whose busy status is already published. */
    private static void send(ShellReplyEnvironment env, MessageContext request, KernelReply reply) {
        env.reply(IopubOutput.message(request, replyType(request.getHeader()), reply.content()));
    }

    /** The reply type of a request: {@code x_request} is answered by {@code x_reply}. */
    private static MessageType<?> replyType(Header<?> request) {
        String name = request.getType().getName();
        return MessageType.getType(name.substring(0, name.length() - "_request".length()) + "_reply");
    }
}
