// jsdom cannot load SVG icons over the network: render an empty svg with the icon's name.
import React from 'react';

type Props = { src?: string; innerRef?: React.Ref<SVGSVGElement> } & React.SVGProps<SVGSVGElement>;

export default function InlineSVG({ src, innerRef, ...rest }: Props) {
  const name = src?.split('/').pop()?.replace('.svg', '') ?? '';
  return <svg id={name} ref={innerRef} {...rest} />;
}
