/**
 * A small text SeqLab ships for its demo run: written for this project, about the
 * networks it trains, so nothing is downloaded.
 */
export const DEMO_CORPUS = `A recurrent network reads a sequence one step at a time. At every step it takes the
next character and its own state from the step before, and it returns a new state.
The state is a vector of numbers: the memory of everything the network has read so far.
A plain recurrent network computes its new state as tanh of a weighted sum of the input
and the old state. Training it means sending the error back through every step, and at
every step the gradient is multiplied by the same weights and by the slope of tanh.
Over long spans the gradient shrinks towards zero, or grows without bound: the network
forgets what it read long ago, or its training explodes. Clipping the gradient stops
the explosion; it cannot bring back a gradient that has vanished.
The long short-term memory cell adds a second state, the cell state, and three gates.
The forget gate decides what to keep of the old cell state, the input gate decides what
to write, and the output gate decides what to show. The cell state runs through time
like a conveyor belt: it is only scaled by the forget gate and added to, so the gradient
can travel along it for many steps. When the forget gate starts open, the belt carries
the gradient further still.
The gated recurrent unit does the same work with two gates: the reset gate decides how
much of the old state feeds the new candidate, and the update gate mixes the candidate
with the old state. It has fewer weights than the long short-term memory cell and often
learns as well.
A character model predicts the next character from the characters before it. It learns
spelling first, then words, then the shape of sentences. Given a prompt, it continues
the text one character at a time, each choice fed back as the next input.
`;
