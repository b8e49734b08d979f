// nunjucks' parser made Jinja2's where they differ: a trailing comma in (a,), [a, b,] and {k: v,} is allowed, and
// (a,) is a tuple of one (the Group node is marked `tuple`; jinja-runtime.ts compiles it with pyTuple). Installed
// before nunjucks' installJinjaCompat, which wraps parseAggregate again for slices.
import nunjucks from 'nunjucks';

export function jinjaParser(): void {
  const { parser, nodes, lexer } = nunjucks as any;
  parser.Parser.prototype.parseAggregate = function parseAggregate(this: any) {
    const tok = this.nextToken();
    let node: any;
    if (tok.type === lexer.TOKEN_LEFT_PAREN) node = new nodes.Group(tok.lineno, tok.colno);
    else if (tok.type === lexer.TOKEN_LEFT_BRACKET) node = new nodes.Array(tok.lineno, tok.colno);
    else if (tok.type === lexer.TOKEN_LEFT_CURLY) node = new nodes.Dict(tok.lineno, tok.colno);
    else return null;
    const closing = () => [lexer.TOKEN_RIGHT_PAREN, lexer.TOKEN_RIGHT_BRACKET, lexer.TOKEN_RIGHT_CURLY].includes(this.peekToken().type);
    for (;;) {
      if (closing()) {
        this.nextToken();
        break;
      }
      if (node.children.length > 0) {
        if (!this.skip(lexer.TOKEN_COMMA)) this.fail('parseAggregate: expected comma after expression', tok.lineno, tok.colno);
        if (closing()) {
          // A trailing comma: (a,) is a tuple.
          node.tuple = true;
          this.nextToken();
          break;
        }
      }
      if (node instanceof nodes.Dict) {
        const key = this.parsePrimary();
        if (!this.skip(lexer.TOKEN_COLON)) this.fail('parseAggregate: expected colon after dict key', tok.lineno, tok.colno);
        const value = this.parseExpression();
        node.addChild(new nodes.Pair(key.lineno, key.colno, key, value));
      } else {
        node.addChild(this.parseExpression());
      }
    }
    return node;
  };
}
